import { Effect, Layer } from "effect"
import { endSession } from "../../domain/sessionLifecycle.ts"
import { htmlPage, redirect } from "./authResponse.ts"
import { callbackTarget } from "../request/callbackTarget.ts"
import { issueCsrfToken, requireCsrf } from "../csrf/csrfGuard.ts"
import { signOutPage } from "../pages/signOutPage.ts"
import { readBody } from "../request/requestBody.ts"
import { traced } from "./routeTelemetry.ts"
import { authRoute, type BasePath } from "./authRoute.ts"
import { requestSession } from "../session/requestSession.ts"

/**
 * `GET /signout` → a confirming page; `POST /signout` (CSRF) → the session ends for good — database: the
 * row is deleted; jwt: its `jti` is revoked, so a copy of the cookie stops working too — and every chunk of
 * the cookie is cleared.
 */
export const signOutRoutes = (basePath: BasePath) =>
  Layer.mergeAll(
    authRoute("GET", `${basePath}/signout`, "browser", (input) =>
      Effect.gen(function*() {
        if (input.config.pages.signOut !== undefined) {
          return redirect(input.request, new URL(input.config.pages.signOut, input.context.origin).href)
        }
        const callbackUrl = yield* callbackTarget(input, undefined)
        return htmlPage(signOutPage({
          theme: input.options.theme,
          csrfToken: yield* issueCsrfToken(input),
          callbackUrl,
          signOutUrl: `${input.context.apiUrl}/signout`
        }), 200, input.context.secure)
      })),
    authRoute("POST", `${basePath}/signout`, "browser", traced("authfx.signOut", (input) =>
      Effect.gen(function*() {
        const body = yield* readBody(input.request, input.options.maxBodyBytes)
        yield* requireCsrf(input, body.fields["csrfToken"])
        const { credential } = yield* requestSession(input)
        if (credential !== null) yield* endSession(credential)
        input.jar.expireSession(input.names.session)
        return redirect(input.request, yield* callbackTarget(input, body.fields["callbackUrl"]))
      })))
  )
