import { Effect, Layer } from "effect"
import { authRoutes } from "../http/authRoutes.ts"
import { resolveHttpOptions } from "../http/HttpOptions.ts"
import { type AuthfxOptions, authAppLayer } from "./createAuth.ts"

/**
 * For Effect servers: the authfx routes with their services, as one Layer to merge with the application's
 * own routes and serve with `HttpRouter.serve` (e.g. on `NodeHttpServer.layer`).
 */
export const authHttpApp = (options: AuthfxOptions) =>
  Layer.unwrap(
    Effect.map(resolveHttpOptions(options.http), (http) => authRoutes(http.basePath).pipe(Layer.provide(authAppLayer(options))))
  )
