import { Effect, Layer, Option, Redacted } from "effect"
import { HttpRouter } from "effect/http"
import { credentialsSignIn } from "../../domain/credentialsSignIn.ts"
import { credentialsIdentifier } from "../../domain/rateLimit/credentialsIdentifier.ts"
import { limitIdentifier } from "../../domain/rateLimit/enforceLimit.ts"
import { withPasswordBackoff } from "../../domain/rateLimit/passwordBackoff.ts"
import { completeEmailSignIn } from "../../domain/emailSignIn.ts"
import { completeOAuthSignIn } from "../../domain/oauthSignIn.ts"
import { ProviderNotConfigured, Verification } from "../../domain/SignInError.ts"
import type { User } from "../../domain/User.ts"
import { redirect } from "./authResponse.ts"
import { callbackTarget } from "../request/callbackTarget.ts"
import { requireCsrf } from "../csrf/csrfGuard.ts"
import { currentUser } from "../session/currentUser.ts"
import { confirmedEmailLink, emailConfirmationPage } from "./emailLinkConfirmation.ts"
import { finishSignIn } from "./finishSignIn.ts"
import { passkeyCallback } from "./passkeyRoutes.ts"
import { BadRequest, LinkFlowForeign } from "../HttpError.ts"
import { checksOf, openOAuthFlow } from "../cookies/oauthFlowCookie.ts"
import { readBody } from "../request/requestBody.ts"
import { requestSession } from "../session/requestSession.ts"
import { traced } from "./routeTelemetry.ts"
import { authRoute, type BasePath, type RouteInput } from "./authRoute.ts"
import { sessionBinding } from "../session/sessionBinding.ts"
import { TrustedDevice } from "../../domain/twoFactor/secondFactorGate.ts"
import { readDeviceTrust } from "../cookies/twoFactorCookies.ts"

/** Fields of the credentials form that are ours, not the application's. */
const reserved = new Set(["csrfToken", "callbackUrl"])

// The browser's "trust this device" cookie, for the second-factor gate at the end of every sign-in.
const callback = (method: "GET" | "POST") => (input: RouteInput) =>
  Effect.flatMap(readDeviceTrust(input), (trust) => Effect.provideService(signIn(method, input), TrustedDevice, trust))

const signIn = (method: "GET" | "POST", input: RouteInput) =>
  Effect.gen(function*() {
    const { provider: id } = yield* HttpRouter.params
    const provider = input.config.providers.find((p) => p.id === id)
    if (provider === undefined) return yield* new ProviderNotConfigured({ provider: id ?? "" })
    const current = yield* requestSession(input)
    switch (provider.type) {
      case "email": {
        if (provider.confirmByPost === true) {
          // The link only opens a page naming the address; its button's POST (CSRF) spends the token.
          if (method === "GET") return yield* emailConfirmationPage(input, provider.id)
          const confirmed = yield* confirmedEmailLink(input)
          yield* limitIdentifier("verification", confirmed.email)
          const signedIn = yield* completeEmailSignIn({ provider: provider.id, email: confirmed.email, token: confirmed.token })
          return yield* finishSignIn(input, current, { ...signedIn, userId: signedIn.user.id }, confirmed.callbackUrl)
        }
        const query = input.context.url.searchParams
        const token = query.get("token")
        const email = query.get("email")
        if (token === null || email === null || token.length > 256) return yield* new Verification()
        yield* limitIdentifier("verification", email)
        const callbackUrl = yield* callbackTarget(input, undefined)
        const signedIn = yield* completeEmailSignIn({ provider: provider.id, email, token: Redacted.make(token) })
        return yield* finishSignIn(input, current, { ...signedIn, userId: signedIn.user.id }, callbackUrl)
      }
      case "oauth":
      case "oidc": {
        // form_post providers (Apple) answer with a cross-site POST: its state, not CSRF, ties it to us.
        const params = method === "GET"
          ? Object.fromEntries(input.context.url.searchParams)
          : (yield* readBody(input.request, input.options.maxBodyBytes)).fields
        const flow = yield* openOAuthFlow(input, provider.id)
        let linkTo = Option.none<User>()
        if (flow.intent._tag === "Link") {
          // Checked before the code is spent: a foreign flow must not even reach the provider.
          const { user } = yield* currentUser(input)
          if (Option.isNone(user)) return redirect(input.request, `${input.context.apiUrl}/signin?error=SessionRequired`)
          const session = yield* sessionBinding(current)
          if (user.value.id !== flow.intent.userId || session !== flow.intent.session) return yield* new LinkFlowForeign()
          linkTo = user
        }
        const signedIn = yield* completeOAuthSignIn({
          provider: provider.id,
          redirectUri: flow.redirectUri,
          params,
          checks: checksOf(flow),
          linkTo
        })
        return yield* finishSignIn(input, current, { ...signedIn, userId: signedIn.user.id }, flow.callbackUrl)
      }
      case "credentials": {
        if (method !== "POST") return yield* new BadRequest({ message: "Credentials are submitted with POST." })
        const body = yield* readBody(input.request, input.options.maxBodyBytes)
        yield* requireCsrf(input, body.fields["csrfToken"])
        const callbackUrl = yield* callbackTarget(input, body.fields["callbackUrl"])
        const credentials = Object.fromEntries(Object.entries(body.fields).filter(([name]) => !reserved.has(name)))
        const identifier = credentialsIdentifier(provider, credentials)
        yield* limitIdentifier("credentials", identifier)
        const signedIn = yield* withPasswordBackoff(identifier, credentialsSignIn({ provider: provider.id, credentials }))
        return yield* finishSignIn(input, current, { ...signedIn, userId: signedIn.user.id }, callbackUrl)
      }
      case "webauthn": {
        if (method !== "POST") return yield* new BadRequest({ message: "A passkey answer is submitted with POST." })
        return yield* passkeyCallback(input, provider)
      }
    }
  })

/**
 * `GET|POST /callback/:provider`: the end of every sign-in — the OAuth/OIDC redirect back (query, or form
 * body for form_post), the magic link, or the credentials form (CSRF) — then the session cookie and the
 * callback URL, or an `?error=` redirect. Only a link flow, back in the session that started it, links; any
 * other sign-in decides as if the browser were signed out and replaces its session.
 */
export const callbackRoutes = (basePath: BasePath) =>
  Layer.mergeAll(
    authRoute("GET", `${basePath}/callback/:provider`, "browser", traced("authfx.callback", callback("GET"))),
    authRoute("POST", `${basePath}/callback/:provider`, "browser", traced("authfx.callback", callback("POST")))
  )
