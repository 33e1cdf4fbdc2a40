/**
 * The two cookies of two-factor sign-in, each sealed (encrypted and authenticated) by the TokenCodec under the
 * `checks` keys, HttpOnly, `__Host-` on https (cookieNames.ts), and marked with their `kind` so that neither
 * can stand in for the other or for an OAuth flow cookie:
 * - the pending sign-in: the attempt id and the user, and where to go after; it lives 5 minutes, as the
 *   Ledger entry it names, which is spent when the second factor passes (single-use);
 * - "trust this device": the user and the enrolment it was given for, for `trustDeviceDays`; it stops
 *   counting when two-factor is turned off (the enrolment is gone) or the cookie goes to another user.
 */
import { Clock, Effect, Option, Redacted, Schema } from "effect"
import type { DeviceTrust } from "../../domain/twoFactor/secondFactorGate.ts"
import type { PendingSecondFactor } from "../../domain/twoFactor/pendingSignIn.ts"
import { UserId } from "../../domain/User.ts"
import { TokenCodec } from "../../ports/TokenCodec.ts"
import type { RouteInput } from "../routes/authRoute.ts"

const Pending = Schema.Struct({
  kind: Schema.Literal("two-factor-pending"),
  attempt: Schema.String,
  sub: UserId,
  mode: Schema.Literals(["code", "enrol"]),
  callbackUrl: Schema.String
})
const Trust = Schema.Struct({ kind: Schema.Literal("trusted-device"), sub: Schema.String, enrolment: Schema.String })
const decodePending = Schema.decodeUnknownOption(Pending)
const decodeTrust = Schema.decodeUnknownOption(Trust)

const seconds = (millis: number) => Math.floor(millis / 1000)

/** Binds a pending sign-in to this browser. */
export const sealPendingSignIn = Effect.fnUntraced(function*(
  input: RouteInput,
  pending: PendingSecondFactor,
  callbackUrl: string
) {
  const now = seconds(yield* Clock.currentTimeMillis)
  const exp = seconds(pending.expiresAt.getTime())
  const claims = {
    kind: "two-factor-pending",
    attempt: Redacted.value(pending.attemptId),
    sub: pending.userId,
    mode: pending.mode,
    callbackUrl,
    iat: now,
    exp
  }
  const sealed = yield* TokenCodec.use((codec) => codec.seal("checks", claims))
  input.jar.set(input.names.twoFactor, sealed, pending.expiresAt)
})

/** This browser's pending sign-in, if it holds a live one. */
export const openPendingSignIn = Effect.fnUntraced(function*(input: RouteInput) {
  const cookie = input.request.cookies[input.names.twoFactor]
  if (cookie === undefined) return Option.none<typeof Pending.Type>()
  const claims = yield* TokenCodec.use((codec) => codec.open("checks", cookie)).pipe(
    Effect.map(Option.some),
    Effect.catchTag("TokenRejected", () => Effect.succeedNone)
  )
  return Option.flatMap(claims, decodePending)
})

/** Remembers this browser for `days` for the user's current enrolment. */
export const sealTrustedDevice = Effect.fnUntraced(function*(input: RouteInput, trust: DeviceTrust, days: number) {
  const now = seconds(yield* Clock.currentTimeMillis)
  const exp = now + days * 24 * 60 * 60
  const claims = { kind: "trusted-device", sub: trust.userId, enrolment: trust.enrolmentId, iat: now, exp }
  const sealed = yield* TokenCodec.use((codec) => codec.seal("checks", claims))
  input.jar.set(input.names.trustedDevice, sealed, new Date(exp * 1000))
})

/** What this browser's trust cookie says, or null (none, expired, tampered, or trust turned off). */
export const readDeviceTrust = Effect.fnUntraced(function*(input: RouteInput) {
  if (input.config.twoFactor.trustDeviceDays === 0) return null
  const cookie = input.request.cookies[input.names.trustedDevice]
  if (cookie === undefined) return null
  const claims = yield* TokenCodec.use((codec) => codec.open("checks", cookie)).pipe(
    Effect.map(Option.some),
    Effect.catchTag("TokenRejected", () => Effect.succeedNone)
  )
  const trust = Option.flatMap(claims, decodeTrust)
  if (Option.isNone(trust)) return null
  const device: DeviceTrust = { userId: trust.value.sub, enrolmentId: trust.value.enrolment }
  return device
})
