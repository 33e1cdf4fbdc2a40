import { Clock, Effect, Layer, Option } from "effect"
import { HttpRouter } from "effect/http"
import type { ProviderId } from "../../domain/Account.ts"
import type { PasskeyProviderConfig } from "../../domain/Provider.ts"
import { storeChallenge, takeChallenge } from "../../domain/passkeyChallenge.ts"
import { registerPasskey } from "../../domain/passkeyRegistration.ts"
import { passkeySignIn } from "../../domain/passkeySignIn.ts"
import { sessionVia } from "../../domain/Session.ts"
import { ProviderNotConfigured, WebAuthnVerificationError } from "../../domain/SignInError.ts"
import { removePasskey } from "../../domain/unlinkProvider.ts"
import { requireStepUp } from "../../domain/stepUp.ts"
import { PasskeyCeremony, type RelyingParty } from "../../ports/PasskeyCeremony.ts"
import { Users } from "../../ports/Users.ts"
import { requireCsrf } from "../csrf/csrfGuard.ts"
import { BadRequest, NotSignedIn } from "../HttpError.ts"
import { callbackTarget } from "../request/callbackTarget.ts"
import { readBody } from "../request/requestBody.ts"
import { currentUser } from "../session/currentUser.ts"
import { requestSession } from "../session/requestSession.ts"
import { sessionBinding } from "../session/sessionBinding.ts"
import { json, redirect } from "./authResponse.ts"
import { authRoute, type BasePath, type RouteInput } from "./authRoute.ts"
import { signedInUser } from "./accountRoutes.ts"
import { finishSignIn } from "./finishSignIn.ts"

/** The relying party is the public origin (the configured URL): its host is the RP ID, and it is the only origin accepted. */
const relyingParty = (input: RouteInput, provider: PasskeyProviderConfig): RelyingParty => ({
  id: new URL(input.context.origin).hostname,
  name: provider.relyingPartyName ?? provider.name,
  origin: input.context.origin
})

const passkeyProvider = (input: RouteInput, id: string | undefined) => {
  const found = input.config.providers.find((p) => p.id === id)
  return found !== undefined && found.type === "webauthn"
    ? Effect.succeed(found)
    : Effect.fail(new ProviderNotConfigured({ provider: id ?? "" }))
}

const maxAgeOf = (provider: PasskeyProviderConfig) => provider.challengeMaxAge ?? 300

const randomFlowId = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url")

/**
 * `GET /webauthn-options/:provider?action=authenticate|register` (Auth.js's path and answer:
 * `{action, options}`): a fresh challenge, kept in the Ledger under a random flow id that only this browser's
 * cookie carries. `register` needs a signed-in user and is bound to their session; without an action, a
 * signed-out browser authenticates (as Auth.js infers it).
 */
const webauthnOptions = (input: RouteInput) =>
  Effect.gen(function*() {
    const { provider: id } = yield* HttpRouter.params
    const provider = yield* passkeyProvider(input, id)
    const asked = input.context.url.searchParams.get("action")
    const { current, user } = yield* currentUser(input)
    const action = asked ?? (Option.isNone(user) ? "authenticate" : null)
    if (action !== "authenticate" && action !== "register") return json({ error: "Invalid action" }, 400)
    const rp = relyingParty(input, provider)
    const ceremony = yield* PasskeyCeremony
    const flowId = randomFlowId()
    let answer
    if (action === "register") {
      if (Option.isNone(user)) return yield* new NotSignedIn()
      // A passkey is a way in for good: whoever holds the session must have signed in recently to add one.
      if (current.read._tag === "Active") yield* requireStepUp(current.read.session, "addPasskey")
      const session = yield* sessionBinding(current)
      const existing = yield* Users.use((store) => store.listAuthenticators(user.value.id))
      const name = user.value.email ?? user.value.name ?? user.value.id
      answer = yield* ceremony.registrationOptions(rp, { name, displayName: user.value.name ?? name }, existing)
      yield* storeChallenge(flowId, { challenge: answer.challenge, action, userId: user.value.id, session }, maxAgeOf(provider))
    } else {
      answer = yield* ceremony.authenticationOptions(rp)
      yield* storeChallenge(flowId, { challenge: answer.challenge, action, userId: null, session: null }, maxAgeOf(provider))
    }
    const now = yield* Clock.currentTimeMillis
    input.jar.set(input.names.challenge, flowId, new Date(now + maxAgeOf(provider) * 1000))
    return json({ action, options: answer.options })
  })

const parsedResponse = (data: string | undefined) => {
  if (data === undefined) return Effect.fail(new BadRequest({ message: "The WebAuthn response (data) is missing." }))
  try {
    return Effect.succeed(JSON.parse(data) as unknown)
  } catch {
    return Effect.fail(new BadRequest({ message: "The WebAuthn response (data) is not JSON." }))
  }
}

/**
 * `POST /callback/:provider` for a passkey provider (CSRF): Auth.js's `{action, data, csrfToken}`, `data` the
 * browser's PublicKeyCredential as a JSON string. The challenge is taken (used once) whatever the outcome.
 */
export const passkeyCallback = (input: RouteInput, provider: PasskeyProviderConfig) =>
  Effect.gen(function*() {
    const body = yield* readBody(input.request, input.options.maxBodyBytes)
    yield* requireCsrf(input, body.fields["csrfToken"])
    const callbackUrl = yield* callbackTarget(input, body.fields["callbackUrl"])
    const flowId = input.request.cookies[input.names.challenge]
    input.jar.expire(input.names.challenge)
    const flow = yield* takeChallenge(flowId)
    const action = body.fields["action"]
    if (action !== flow.action) return yield* new WebAuthnVerificationError({ reason: "Challenge" })
    const response = yield* parsedResponse(body.fields["data"])
    const rp = relyingParty(input, provider)
    const current = yield* requestSession(input)
    if (flow.action === "register") {
      // Only in the session that asked: a registration carried into another browser or session registers nothing.
      const { user } = yield* currentUser(input)
      if (Option.isNone(user)) return yield* new NotSignedIn()
      const session = yield* sessionBinding(current)
      if (user.value.id !== flow.userId || session !== flow.session) {
        return yield* new WebAuthnVerificationError({ reason: "Challenge" })
      }
      // Checked again where it is written: the sign-in may have aged past the limit since the options.
      if (current.read._tag === "Active") yield* requireStepUp(current.read.session, "addPasskey")
      yield* registerPasskey({ provider, rp, user: user.value, response, challenge: flow.challenge })
      return redirect(input.request, callbackUrl)
    }
    const signedIn = yield* passkeySignIn({ provider, rp, response, challenge: flow.challenge })
    return yield* finishSignIn(input, current, { ...signedIn, userId: signedIn.user.id }, callbackUrl)
  })

/**
 * Auth.js's WebAuthn options endpoint, and beyond Auth.js the signed-in user's passkeys: `GET /passkeys/:provider`
 * lists them (never a key), `POST /passkeys/:provider/remove` (CSRF, `credentialID`) removes one — never the
 * last way in — and ends the sessions signed in with a passkey.
 */
export const passkeyRoutes = (basePath: BasePath) =>
  Layer.mergeAll(
    authRoute("GET", `${basePath}/webauthn-options/:provider`, "api", webauthnOptions),
    authRoute("GET", `${basePath}/passkeys/:provider`, "api", (input) =>
      Effect.gen(function*() {
        const { provider: id } = yield* HttpRouter.params
        const provider = yield* passkeyProvider(input, id)
        const { user } = yield* signedInUser(input)
        const store = yield* Users
        const [accounts, authenticators] = yield* Effect.all([store.listAccounts(user.id), store.listAuthenticators(user.id)])
        // Only passkeys whose account is linked: where a store keeps an authenticator after its account went (Auth.js).
        const linked = new Set(
          accounts.filter((a) => a.provider === provider.id && a.type === "webauthn").map((a) => a.providerAccountId)
        )
        return json(authenticators.filter((a) => linked.has(a.providerAccountId)).map((a) => ({
          credentialID: a.credentialID,
          credentialDeviceType: a.credentialDeviceType,
          credentialBackedUp: a.credentialBackedUp,
          transports: a.transports
        })))
      })),
    authRoute("POST", `${basePath}/passkeys/:provider/remove`, "api", (input) =>
      Effect.gen(function*() {
        const { provider: id } = yield* HttpRouter.params
        const provider = yield* passkeyProvider(input, id)
        const body = yield* readBody(input.request, input.options.maxBodyBytes)
        yield* requireCsrf(input, body.fields["csrfToken"])
        const { user, current } = yield* signedInUser(input)
        const credentialID = body.fields["credentialID"]
        if (credentialID === undefined || credentialID === "") {
          return yield* new BadRequest({ message: "credentialID is missing." })
        }
        // Removing a way in can lock the owner out: the session's sign-in must be recent.
        if (current.read._tag === "Active") yield* requireStepUp(current.read.session, "removePasskey")
        yield* removePasskey(user.id, provider.id as ProviderId, credentialID)
        const sessionEnded = current.read._tag === "Active" && sessionVia(current.read.session) === provider.id
        if (sessionEnded) input.jar.expireSession(input.names.session)
        return json({ removed: { credentialID }, sessionEnded })
      }))
  )
