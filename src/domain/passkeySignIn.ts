import { Effect, Option } from "effect"
import { PasskeyCeremony, type RelyingParty } from "../ports/PasskeyCeremony.ts"
import { Users } from "../ports/Users.ts"
import { AuthConfig } from "./AuthConfig.ts"
import { callHook, emitEvent } from "./callHook.ts"
import { base64FromBase64Url } from "./Passkey.ts"
import type { PasskeyProviderConfig } from "./Provider.ts"
import { issueSession } from "./sessionLifecycle.ts"
import { AccessDenied, SignInRedirected, WebAuthnVerificationError } from "./SignInError.ts"
import { judgeSignatureCounter } from "./signatureCounter.ts"

const credentialIdOf = (response: unknown): string | null => {
  const id = typeof response === "object" && response !== null ? (response as { readonly id?: unknown }).id : undefined
  return typeof id === "string" && /^[A-Za-z0-9_-]{1,1366}$/.test(id) ? base64FromBase64Url(id) : null
}

/**
 * Signs in with a passkey (WebAuthn §7.2): the stored credential the answer names, the ceremony's checks against
 * the challenge this browser took, then the signature counter (a clone is refused, and the new counter is stored
 * by compare-and-set, so two sign-ins from one counter value cannot both pass), then the passkey's account must
 * still be linked to the same user (a removed passkey opens nothing, also where the store kept its authenticator).
 * A passkey never links and never creates a user: it is registered by a signed-in user first.
 */
export const passkeySignIn = Effect.fn("passkeySignIn")(function*(input: {
  readonly provider: PasskeyProviderConfig
  readonly rp: RelyingParty
  readonly response: unknown
  readonly challenge: string
}) {
  const config = yield* AuthConfig
  const store = yield* Users
  const credentialID = credentialIdOf(input.response)
  if (credentialID === null) return yield* new WebAuthnVerificationError({ reason: "UnknownCredential" })
  const found = yield* store.getAuthenticator(credentialID)
  if (Option.isNone(found)) return yield* new WebAuthnVerificationError({ reason: "UnknownCredential" })
  const authenticator = found.value
  const { counter } = yield* PasskeyCeremony.use((ceremony) =>
    ceremony.verifyAuthentication(input.rp, input.response, input.challenge, authenticator)
  ).pipe(Effect.mapError(() => new WebAuthnVerificationError({ reason: "Signature" })))
  const verdict = judgeSignatureCounter(authenticator.counter, counter)
  if (verdict._tag === "Cloned") return yield* new WebAuthnVerificationError({ reason: "Cloned" })
  if (verdict._tag === "Advance") {
    const stored = yield* store.updateAuthenticatorCounter(credentialID, authenticator.counter, verdict.next)
    if (!stored) return yield* new WebAuthnVerificationError({ reason: "Cloned" })
  }
  const key = { provider: input.provider.id, providerAccountId: authenticator.providerAccountId }
  const account = yield* store.getAccount(key)
  if (Option.isNone(account) || account.value.userId !== authenticator.userId || account.value.type !== "webauthn") {
    return yield* new WebAuthnVerificationError({ reason: "UnknownCredential" })
  }
  const user = yield* store.getUser(authenticator.userId)
  if (Option.isNone(user)) return yield* new WebAuthnVerificationError({ reason: "UnknownCredential" })
  const profile = {
    id: authenticator.providerAccountId,
    name: user.value.name,
    email: user.value.email,
    emailVerified: false,
    image: user.value.image
  }
  const hook = config.callbacks.signIn
  if (hook !== undefined) {
    const answer = yield* callHook("signIn", hook, { user: user.value, account: account.value, profile }).pipe(
      Effect.catchTag("CallbackFailed", () => Effect.succeed(false))
    )
    if (answer === false) return yield* new AccessDenied({ reason: "SignInCallback" })
    if (typeof answer === "string") return yield* new SignInRedirected({ url: answer })
  }
  const session = yield* issueSession(user.value, { account: account.value, profile, isNewUser: false, via: input.provider.id })
  yield* emitEvent("signIn", config.events.signIn, { user: user.value, account: account.value, profile, isNewUser: false })
  return { user: user.value, isNewUser: false, session }
})
