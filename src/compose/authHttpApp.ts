import { Effect, Layer } from "effect"
import { HttpRouter } from "effect/http"
import { authRoutes } from "../http/authRoutes.ts"
import { resolveAppHttpOptions } from "../http/emailLinkBase.ts"
import { type AuthfxOptions, authAppLayer } from "./createAuth.ts"

/**
 * For Effect servers: the authfx routes with their services, as one Layer to merge with the application's
 * own routes and serve with `HttpRouter.serve` (e.g. on `NodeHttpServer.layer`).
 */
export const authHttpApp = (options: AuthfxOptions) =>
  Layer.unwrap(
    // Route handlers look their services up per request: the services are built once with the server and
    // provided to each request (Layer.provide would only give them to building the routes).
    Effect.map(resolveAppHttpOptions(options.http, options.providers ?? []), (http) =>
      authRoutes(http.basePath).pipe(HttpRouter.provideRequest(authAppLayer(options))))
  )
