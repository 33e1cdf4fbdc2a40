import { Effect, Layer } from "effect"
import { HttpRouter } from "effect/http"
import { authRoutes } from "../http/authRoutes.ts"
import { resolveAppHttpOptions } from "../http/emailLinkBase.ts"
import { sessionFastPathMiddleware } from "../http/routerMounting.ts"
import { makeSessionFastPath } from "../http/session/sessionFastPath.ts"
import { type AuthfxOptions, authAppLayer } from "./createAuth.ts"

/**
 * For Effect servers: the authfx routes with their services, as one Layer to merge with the application's
 * own routes and serve with `HttpRouter.serve` (e.g. on `NodeHttpServer.layer`), with `GET /session`'s fast
 * path in front of the router as in the other mountings.
 */
export const authHttpApp = (options: AuthfxOptions) =>
  Layer.unwrap(
    Effect.gen(function*() {
      const http = yield* resolveAppHttpOptions(options.http, options.providers ?? [])
      // Built once, in the layer's scope: the stores and caches live as long as the server.
      const context = yield* Layer.build(authAppLayer(options))
      const fast = yield* makeSessionFastPath.pipe(Effect.provideContext(context))
      // Route handlers look their services up per request: they are provided to each request (Layer.provide
      // would only give them to building the routes).
      const routes = authRoutes(http.basePath).pipe(HttpRouter.provideRequest(Layer.succeedContext(context)))
      return fast === null ? routes : Layer.mergeAll(routes, sessionFastPathMiddleware(fast))
    })
  )
