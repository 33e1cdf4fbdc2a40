import { type Redacted, Schema } from "effect"
import type { UserId } from "../User.ts"

/**
 * A user's TOTP enrolment as the store keeps it. Pending (`enabledAt` null) from the start of an enrolment
 * until its first valid code; on from then. `id` names this one enrolment: a new enrolment (after turning
 * two-factor off) gets a new id, so a "trusted device" cookie bound to the old one no longer skips the code.
 * `secret` is the base32 TOTP secret; the store holds it sealed (see adapters/sealedTokens), the domain sees
 * it open. `lastStep` is the last TOTP time step accepted: a code of that step or an earlier one is a replay.
 */
export interface TwoFactorEnrolment {
  readonly userId: UserId
  readonly id: string
  readonly secret: Redacted.Redacted<string>
  readonly createdAt: Date
  readonly enabledAt: Date | null
  readonly lastStep: number | null
  /** How many backup codes are left unused. */
  readonly backupCodes: number
}

/** What `startTwoFactor` stores: a pending enrolment. */
export interface PendingEnrolment {
  readonly userId: UserId
  readonly id: string
  readonly secret: Redacted.Redacted<string>
  readonly createdAt: Date
}

/** What `enableTwoFactor` writes when the first code proved the secret. */
export interface EnablingFacts {
  readonly enabledAt: Date
  readonly step: number
  readonly backupCodeHashes: ReadonlyArray<string>
}

/** The code is wrong, was used already, or is out of its window. Says nothing about which. */
export class TwoFactorCodeInvalid extends Schema.TaggedError<TwoFactorCodeInvalid>()("TwoFactorCodeInvalid", {}) {}

/** The operation needs two-factor sign-in to be on (or its enrolment pending), and it is not. */
export class TwoFactorNotEnabled extends Schema.TaggedError<TwoFactorNotEnabled>()("TwoFactorNotEnabled", {}) {}

/** Two-factor sign-in is on already: turn it off (with a code) before enrolling again. */
export class TwoFactorAlreadyEnabled extends Schema.TaggedError<TwoFactorAlreadyEnabled>()("TwoFactorAlreadyEnabled", {}) {}

/** The pending sign-in is missing, expired, used, or belongs to another browser: sign in again. */
export class TwoFactorPendingInvalid extends Schema.TaggedError<TwoFactorPendingInvalid>()("TwoFactorPendingInvalid", {}) {}
