import { Effect, Option } from "effect"
import { ProviderClient } from "../ports/ProviderClient.ts"
import { AccountNotFound, LastSignInMethod, UserNotFound, Users } from "../ports/Users.ts"
import type { Account, ProviderId } from "./Account.ts"
import { AuthConfig } from "./AuthConfig.ts"
import { emitEvent } from "./callHook.ts"
import { decideUnlink } from "./linkDecision.ts"
import { endSessionsVia } from "./sessionLifecycle.ts"
import type { UserId } from "./User.ts"

/**
 * Unlinks the signed-in user's account at `provider`, unless it is their last way to sign in. The
 * rule is decided here (for a clear answer) and enforced again atomically by the store (so two
 * concurrent unlinks cannot both pass). The sessions signed in with that account end with it — whoever
 * held the account keeps no way into the user — and the provider is asked to revoke our tokens, best effort.
 */
export const unlinkProvider = Effect.fn("unlinkProvider")(function*(userId: UserId, provider: ProviderId) {
  return yield* unlinkAccountOf(userId, provider, (account) => account.provider === provider)
})

/**
 * Removes one of the signed-in user's passkeys (its webauthn account, and with it its authenticator), by the same
 * rule of the last way in as any unlink: a passkey is an account, so a user whose only way in it is keeps it.
 */
export const removePasskey = Effect.fn("removePasskey")(function*(userId: UserId, provider: ProviderId, credentialID: string) {
  return yield* unlinkAccountOf(
    userId,
    provider,
    (account) => account.provider === provider && account.type === "webauthn" && account.providerAccountId === credentialID
  )
})

const unlinkAccountOf = Effect.fnUntraced(function*(
  userId: UserId,
  provider: ProviderId,
  pick: (account: Account) => boolean
) {
  const config = yield* AuthConfig
  const store = yield* Users
  const user = yield* store.getUser(userId)
  if (Option.isNone(user)) return yield* new UserNotFound()
  const accounts = yield* store.listAccounts(userId)
  const target = accounts.find(pick)
  if (target === undefined) return yield* new AccountNotFound({ provider })
  const emailSignInEnabled = config.providers.some((p) => p.type === "email")
  const decision = decideUnlink({ user: user.value, accounts, target, emailSignInEnabled })
  if (decision._tag === "Refuse") {
    return yield* decision.reason === "LastSignInMethod"
      ? new LastSignInMethod({ provider })
      : new AccountNotFound({ provider })
  }
  const removed = yield* store.unlinkAccount(
    { provider: target.provider, providerAccountId: target.providerAccountId },
    { keepSignInMethod: { verifiedEmailCounts: emailSignInEnabled } }
  )
  if (Option.isNone(removed)) return yield* new AccountNotFound({ provider })
  const account = removed.value
  yield* endSessionsVia(userId, account.provider)
  if (target.type === "oauth" || target.type === "oidc") {
    const token = account.refreshToken ?? account.accessToken
    if (token !== null) {
      yield* ProviderClient.use((client) => client.revoke(account.provider, token)).pipe(
        Effect.catch((error) => Effect.logWarning("authfx: could not revoke tokens after unlinking", error._tag))
      )
    }
  }
  yield* emitEvent("unlinkAccount", config.events.unlinkAccount, { user: user.value, account })
  return account
})
