import { Effect, Option, Redacted } from "effect"
import type { ProviderId } from "../../domain/Account.ts"
import type { UserId } from "../../domain/User.ts"
import type { PendingEnrolment, TwoFactorEnrolment } from "../../domain/twoFactor/TwoFactor.ts"
import type { KeyStoreUnavailable } from "../../ports/KeyStore.ts"
import type { Users } from "../../ports/Users.ts"
import type { UserNotFound, UsersUnavailable } from "../../ports/Users.ts"
import type { Binding } from "./sealedValue.ts"
import type { TokenSealer } from "./tokenSealer.ts"

/** A TOTP secret opens only for its user: a sealed value copied to another user's row does not. */
const bindingOf = (userId: UserId): Binding => ({
  account: { provider: "authfx:two-factor" as ProviderId, providerAccountId: userId },
  field: "totpSecret"
})

/**
 * The two-factor half of the decorator: a TOTP secret is sealed (AES-256-GCM under the `tokens` keys) before
 * the store sees it and opened as it is read, so no store holds one in the clear. A secret no key opens (its
 * key retired, its secret dropped) reads as empty: no code matches it and the user signs in with a backup
 * code, then enrols again. Every other two-factor method passes through: they never touch the secret.
 */
export const sealedTwoFactor = (
  inner: Users["Service"],
  sealer: TokenSealer
): {
  readonly getTwoFactor: (
    userId: UserId
  ) => Effect.Effect<Option.Option<TwoFactorEnrolment>, UsersUnavailable | KeyStoreUnavailable>
  readonly startTwoFactor: (
    pending: PendingEnrolment
  ) => Effect.Effect<boolean, UserNotFound | UsersUnavailable | KeyStoreUnavailable>
} => {
  const open = (stored: TwoFactorEnrolment) =>
    Effect.flatMap(sealer.openSecret(bindingOf(stored.userId), stored.secret), (opened) =>
      Option.isSome(opened)
        ? Effect.succeed({ ...stored, secret: opened.value })
        : Effect.logWarning("authfx: a stored TOTP secret opens with no tokens key; only backup codes can pass").pipe(
          Effect.as({ ...stored, secret: Redacted.make("") })
        ))
  return {
    getTwoFactor: (userId) =>
      Effect.flatMap(inner.getTwoFactor(userId), (found) =>
        Option.isNone(found) ? Effect.succeedNone : Effect.asSome(open(found.value))),
    startTwoFactor: (pending) =>
      Effect.flatMap(
        sealer.sealSecret(bindingOf(pending.userId), pending.secret),
        (secret) => inner.startTwoFactor({ ...pending, secret })
      )
  }
}
