/**
 * Turning two-factor sign-in on and off for a signed-in user: start (a fresh secret, shown once), confirm (a
 * first code proves the app has it; backup codes are made and shown once), regenerate backup codes and turn
 * off (both with a current code or a backup code: a second factor, since a stolen session alone must not be
 * able to remove the second factor or read new codes).
 */
import { Clock, Effect, Option, Redacted } from "effect"
import { SecureRandom } from "effect/crypto"
import { Users } from "../../ports/Users.ts"
import { randomId } from "../secretToken.ts"
import type { User, UserId } from "../User.ts"
import { base32Encode } from "./base32.ts"
import { backupCodeHashes, freshBackupCodes } from "./backupCodes.ts"
import { otpauthUri } from "./otpauthUri.ts"
import { matchTotp, totpShaped } from "./totp.ts"
import { limitCodeAttempt, verifySecondFactor } from "./verifySecondFactor.ts"
import {
  TwoFactorAlreadyEnabled,
  TwoFactorCodeInvalid,
  TwoFactorNotEnabled,
  TwoFactorPendingInvalid
} from "./TwoFactor.ts"

/** A pending enrolment must be confirmed within this time, or started again. */
export const enrolmentLifetimeMillis = 15 * 60_000

/** 160 bits: the HMAC-SHA-1 key length RFC 4226 section 4 recommends. */
const secretBytes = 20

/** What a user may see of their two-factor state (never the secret or the codes). */
export interface TwoFactorStatus {
  readonly enabled: boolean
  readonly pending: boolean
  readonly enabledAt: Date | null
  readonly backupCodesLeft: number
}

export const twoFactorStatus = Effect.fn("twoFactorStatus")(function*(userId: UserId) {
  const found = yield* Users.use((store) => store.getTwoFactor(userId))
  const status: TwoFactorStatus = Option.match(found, {
    onNone: () => ({ enabled: false, pending: false, enabledAt: null, backupCodesLeft: 0 }),
    onSome: (e) => ({
      enabled: e.enabledAt !== null,
      pending: e.enabledAt === null,
      enabledAt: e.enabledAt,
      backupCodesLeft: e.enabledAt === null ? 0 : e.backupCodes
    })
  })
  return status
})

/** Starts (or restarts) an enrolment: the secret and its `otpauth://` URI, to show once. */
export const startEnrolment = Effect.fn("startEnrolment")(function*(user: User, issuer: string) {
  const store = yield* Users
  const secret = base32Encode(yield* SecureRandom.SecureRandom.use((random) => random.randomBytes(secretBytes)))
  const started = yield* store.startTwoFactor({
    userId: user.id,
    id: yield* randomId,
    secret: Redacted.make(secret),
    createdAt: new Date(yield* Clock.currentTimeMillis)
  })
  if (!started) return yield* new TwoFactorAlreadyEnabled()
  return {
    secret: Redacted.make(secret),
    uri: Redacted.make(otpauthUri({ issuer, account: user.email ?? user.name ?? user.id, secret }))
  }
})

/** New backup codes for an enrolment: the codes to show once, and their hashes to store. */
const newBackupCodes = (userId: UserId) =>
  Effect.gen(function*() {
    const codes = yield* freshBackupCodes
    const hashes: Array<string> = []
    for (const code of codes) {
      const [current] = yield* backupCodeHashes(userId, code)
      if (current !== undefined) hashes.push(current)
    }
    return { codes, hashes }
  })

/** Confirms the pending enrolment with its first code: two-factor is on from here. Returns the backup codes. */
export const confirmEnrolment = Effect.fn("confirmEnrolment")(function*(userId: UserId, code: string) {
  yield* limitCodeAttempt(userId)
  const store = yield* Users
  const found = yield* store.getTwoFactor(userId)
  if (Option.isNone(found)) return yield* new TwoFactorNotEnabled()
  const enrolment = found.value
  if (enrolment.enabledAt !== null) return yield* new TwoFactorAlreadyEnabled()
  const now = yield* Clock.currentTimeMillis
  if (now - enrolment.createdAt.getTime() > enrolmentLifetimeMillis) return yield* new TwoFactorPendingInvalid()
  const totp = totpShaped(code)
  const step = Option.isNone(totp) ? Option.none<number>() : yield* matchTotp(enrolment.secret, totp.value, now, null)
  if (Option.isNone(step)) return yield* new TwoFactorCodeInvalid()
  const backup = yield* newBackupCodes(userId)
  const enabled = yield* store.enableTwoFactor(userId, enrolment.id, {
    enabledAt: new Date(now),
    step: step.value,
    backupCodeHashes: backup.hashes
  })
  // Restarted meanwhile (another tab): this code was for the secret that was replaced.
  if (!enabled) return yield* new TwoFactorCodeInvalid()
  return { backupCodes: backup.codes, enrolmentId: enrolment.id }
})

/** Turns two-factor off, with a second factor. Trusted devices go with it: they name the enrolment. */
export const disableTwoFactor = Effect.fn("disableTwoFactor")(function*(userId: UserId, code: string) {
  const store = yield* Users
  const found = yield* store.getTwoFactor(userId)
  // A pending enrolment protects nothing yet: cancelling it takes no code.
  if (Option.isSome(found) && found.value.enabledAt !== null) yield* verifySecondFactor(userId, code)
  yield* store.deleteTwoFactor(userId)
})

/** Replaces the backup codes, with a second factor; the new ones are shown once. */
export const regenerateBackupCodes = Effect.fn("regenerateBackupCodes")(function*(userId: UserId, code: string) {
  const { enrolment } = yield* verifySecondFactor(userId, code)
  const backup = yield* newBackupCodes(userId)
  const replaced = yield* Users.use((store) => store.replaceBackupCodes(userId, enrolment.id, backup.hashes))
  if (!replaced) return yield* new TwoFactorNotEnabled()
  return backup.codes
})
