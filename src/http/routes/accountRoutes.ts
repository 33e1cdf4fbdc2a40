import { Effect, Layer, Option } from "effect"
import { HttpRouter } from "effect/http"
import type { ProviderId } from "../../domain/Account.ts"
import { findOAuthProvider } from "../../domain/oauthSignIn.ts"
import { requireStepUp } from "../../domain/stepUp.ts"
import { unlinkProvider } from "../../domain/unlinkProvider.ts"
import { Users } from "../../ports/Users.ts"
import { json } from "./authResponse.ts"
import { callbackTarget } from "../request/callbackTarget.ts"
import { requireCsrf } from "../csrf/csrfGuard.ts"
import { currentUser } from "../session/currentUser.ts"
import { NotSignedIn } from "../HttpError.ts"
import { readBody } from "../request/requestBody.ts"
import { sessionBinding } from "../session/sessionBinding.ts"
import { sessionVia } from "../../domain/Session.ts"
import { traced } from "./routeTelemetry.ts"
import { authRoute, type BasePath, type RouteInput } from "./authRoute.ts"
import { startOAuthRedirect } from "./signInRoutes.ts"

/** The signed-in user and their session, or NotSignedIn. */
export const signedInUser = Effect.fnUntraced(function*(input: RouteInput) {
  const { current, user } = yield* currentUser(input)
  if (Option.isNone(user)) return yield* new NotSignedIn()
  return { user: user.value, current }
})

/**
 * Beyond Auth.js: the signed-in user's linked providers (`GET /accounts`), linking another one
 * (`POST /link/:provider`, CSRF: starts OAuth; the callback links it to this user), and unlinking
 * (`POST /unlink/:provider`, CSRF; refused for the last way to sign in). Tokens are never shown.
 */
export const accountRoutes = (basePath: BasePath) =>
  Layer.mergeAll(
    authRoute("GET", `${basePath}/accounts`, "api", (input) =>
      Effect.gen(function*() {
        const { user } = yield* signedInUser(input)
        const accounts = yield* Users.use((store) => store.listAccounts(user.id))
        return json(accounts.map((account) => ({
          provider: account.provider,
          type: account.type,
          providerAccountId: account.providerAccountId,
          needsReauth: account.needsReauth
        })))
      })),
    authRoute("POST", `${basePath}/link/:provider`, "api", traced("authfx.link", (input) =>
      Effect.gen(function*() {
        const { provider } = yield* HttpRouter.params
        const body = yield* readBody(input.request, input.options.maxBodyBytes)
        yield* requireCsrf(input, body.fields["csrfToken"])
        const { user, current } = yield* signedInUser(input)
        const config = yield* findOAuthProvider(provider ?? "")
        const callbackUrl = yield* callbackTarget(input, body.fields["callbackUrl"])
        const session = yield* sessionBinding(current)
        if (session === null) return yield* new NotSignedIn()
        return yield* startOAuthRedirect(input, config.id, callbackUrl, { _tag: "Link", userId: user.id, session })
      }))),
    authRoute("POST", `${basePath}/unlink/:provider`, "api", traced("authfx.unlink", (input) =>
      Effect.gen(function*() {
        const { provider } = yield* HttpRouter.params
        const body = yield* readBody(input.request, input.options.maxBodyBytes)
        yield* requireCsrf(input, body.fields["csrfToken"])
        const { user, current } = yield* signedInUser(input)
        // Unlinking can take a way in from the owner: whoever holds the session must have signed in recently.
        if (current.read._tag === "Active") yield* requireStepUp(current.read.session, "unlinkAccount")
        const removed = yield* unlinkProvider(user.id, (provider ?? "") as ProviderId)
        // The unlink ended every session signed in with that account; this one too, if it was one of them.
        const sessionEnded = current.read._tag === "Active" && sessionVia(current.read.session) === removed.provider
        if (sessionEnded) input.jar.expireSession(input.names.session)
        return json({ unlinked: { provider: removed.provider, providerAccountId: removed.providerAccountId }, sessionEnded })
      })))
  )
