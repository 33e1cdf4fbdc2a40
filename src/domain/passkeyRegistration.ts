import { Effect } from "effect"
import { PasskeyCeremony, type RelyingParty } from "../ports/PasskeyCeremony.ts"
import { Users } from "../ports/Users.ts"
import { emptyTokenSet } from "./Account.ts"
import { AuthConfig } from "./AuthConfig.ts"
import { emitEvent } from "./callHook.ts"
import type { Authenticator } from "./Passkey.ts"
import type { PasskeyProviderConfig } from "./Provider.ts"
import { WebAuthnVerificationError } from "./SignInError.ts"
import type { User } from "./User.ts"

/**
 * Registers a passkey for the signed-in user who started the ceremony (the HTTP layer checks that the challenge
 * was theirs, in this session). Stored as Auth.js does: a webauthn account keyed by the credential id, then its
 * authenticator; if the authenticator cannot be stored, the account goes again, so no half-registered passkey
 * counts as a way in.
 */
export const registerPasskey = Effect.fn("registerPasskey")(function*(input: {
  readonly provider: PasskeyProviderConfig
  readonly rp: RelyingParty
  readonly user: User
  readonly response: unknown
  readonly challenge: string
}) {
  const config = yield* AuthConfig
  const store = yield* Users
  const proven = yield* PasskeyCeremony.use((ceremony) => ceremony.verifyRegistration(input.rp, input.response, input.challenge))
    .pipe(Effect.mapError(() => new WebAuthnVerificationError({ reason: "Registration" })))
  const authenticator: Authenticator = { ...proven, userId: input.user.id, providerAccountId: proven.credentialID }
  const refused = () => new WebAuthnVerificationError({ reason: "Registration" })
  const account = yield* store.linkAccount({
    provider: input.provider.id,
    providerAccountId: authenticator.providerAccountId,
    userId: input.user.id,
    type: "webauthn",
    ...emptyTokenSet,
    needsReauth: false
  }).pipe(Effect.catchTags({ AccountAlreadyLinked: () => Effect.fail(refused()) }))
  yield* store.createAuthenticator(authenticator).pipe(
    Effect.tapError(() => Effect.ignore(store.unlinkAccount({ provider: account.provider, providerAccountId: account.providerAccountId }))),
    Effect.catchTags({ AuthenticatorExists: () => Effect.fail(refused()) })
  )
  yield* emitEvent("linkAccount", config.events.linkAccount, { user: input.user, account, profile: null })
  return authenticator
})
