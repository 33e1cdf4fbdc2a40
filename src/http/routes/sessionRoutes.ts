import { Effect, Layer } from "effect"
import { updateSession } from "../../domain/sessionLifecycle.ts"
import { json } from "./authResponse.ts"
import { requireCsrf } from "../csrf/csrfGuard.ts"
import { readBody } from "../request/requestBody.ts"
import { traced } from "./routeTelemetry.ts"
import { sessionCheckMissed } from "../../domain/telemetry.ts"
import { authRoute, type BasePath } from "./authRoute.ts"
import { requestSession } from "../session/requestSession.ts"
import { writeSession } from "../session/sessionCookie.ts"
import type { ResolvedHttpOptions } from "../HttpOptions.ts"

/** "No session", as the configured client reads it: Auth.js v5's `null` or NextAuth v4's `{}`. */
const signedOut = (options: ResolvedHttpOptions) => (options.signedOutSession === "{}" ? {} : null)

/**
 * `GET /session` → the session JSON or `null` (`{}` with `signedOutSession: "{}"`), renewing the cookie when it
 * is due (not on every read, as Auth.js does: that is most of its cost). `POST /session` `{csrfToken, data}` →
 * the jwt/session callbacks see `data` with trigger "update", and the session is re-issued; a failed CSRF check
 * is `400 null`.
 */
export const sessionRoutes = (basePath: BasePath) =>
  Layer.mergeAll(
    authRoute("GET", `${basePath}/session`, "api", traced("authfx.session", (input) =>
      // Here only when the fast path (sessionFastPath.ts) could not answer, or is off: a miss.
      Effect.map(Effect.andThen(sessionCheckMissed, requestSession(input)), ({ read }) =>
        json(read._tag === "Active" ? read.view : signedOut(input.options))))),
    authRoute("POST", `${basePath}/session`, "api", traced("authfx.session.update", (input) =>
      Effect.gen(function*() {
        const body = yield* readBody(input.request, input.options.maxBodyBytes)
        const passed = yield* requireCsrf(input, body.fields["csrfToken"]).pipe(
          Effect.as(true),
          Effect.catchTag("MissingCSRF", () => Effect.succeed(false))
        )
        if (!passed) return json(signedOut(input.options), 400)
        const { read, credential } = yield* requestSession(input)
        if (read._tag !== "Active" || credential === null) return json(signedOut(input.options))
        const data = typeof body.json === "object" && body.json !== null ? (body.json as { readonly data?: unknown }).data : undefined
        const updated = yield* updateSession(credential, data)
        if (updated._tag !== "Active") {
          input.jar.expireSession(input.names.session)
          return json(signedOut(input.options))
        }
        if (updated.renewed !== null) yield* writeSession(updated.renewed, input.names, input.jar)
        return json(updated.view)
      })))
  )
