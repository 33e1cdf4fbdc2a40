/**
 * TOTP (RFC 6238) over HOTP (RFC 4226): HMAC-SHA-1, 30-second steps, 6 digits — the parameters every
 * authenticator app supports (most ignore any other in an `otpauth://` URI). SHA-1's collision weakness does not
 * touch HMAC-SHA-1 as a keyed code.
 */
import { Effect, Option, Redacted } from "effect"
import { Mac } from "effect/crypto"
import { equalSecrets } from "../equalSecrets.ts"
import { base32Decode } from "./base32.ts"

export const totpPeriodSeconds = 30
export const totpDigits = 6
/** A code of the step before or after the current one is accepted: clocks drift and people type slowly. */
export const totpSkewSteps = 1

/** The TOTP time step at `nowMillis` (RFC 6238 section 4.2: T = floor((now - T0) / X), T0 = 0). */
export const stepAt = (nowMillis: number): number => Math.floor(nowMillis / 1000 / totpPeriodSeconds)

/**
 * The steps a code may belong to at `step`, ±1, minus every step at or before `lastStep`: a code accepted
 * once (or any code older than it) is a replay, even within its window (RFC 6238 section 5.2).
 */
export const candidateSteps = (step: number, lastStep: number | null): ReadonlyArray<number> => {
  const steps: Array<number> = []
  for (let s = step - totpSkewSteps; s <= step + totpSkewSteps; s++) {
    if (s >= 0 && (lastStep === null || s > lastStep)) steps.push(s)
  }
  return steps
}

/** The counter as 8 bytes, big-endian (RFC 4226 section 5.1). Steps stay far below 2^53. */
const counterBytes = (counter: number) => {
  const bytes = new Uint8Array(8)
  new DataView(bytes.buffer).setBigUint64(0, BigInt(counter))
  return bytes
}

/** HOTP(K, C) with dynamic truncation (RFC 4226 section 5.3), as `totpDigits` decimal digits. */
export const hotp = (secret: Uint8Array, counter: number): Effect.Effect<string, never, Mac.Mac> =>
  Effect.gen(function*() {
    const mac = yield* Mac.Mac
    const key = yield* Mac.key(Mac.hmacSha1, secret)
    const digest = yield* mac.sign(key, counterBytes(counter))
    const offset = digest[digest.length - 1]! & 0x0f
    const binary = ((digest[offset]! & 0x7f) << 24) | (digest[offset + 1]! << 16) | (digest[offset + 2]! << 8) |
      digest[offset + 3]!
    return String(binary % 10 ** totpDigits).padStart(totpDigits, "0")
  }).pipe(Effect.orDie)

/** Whether `code` looks like a TOTP code at all (6 digits, spaces allowed as apps show them). */
export const totpShaped = (code: string): Option.Option<string> => {
  const clean = code.replace(/\s/g, "")
  return /^[0-9]{6}$/.test(clean) ? Option.some(clean) : Option.none()
}

/**
 * The step `code` belongs to among the candidates at `nowMillis` (the latest if several match), or None.
 * Every candidate is computed and compared, in constant time (equalSecrets), so the answer's timing does not
 * tell which step, or which digit, was wrong.
 */
export const matchTotp = (
  secret: Redacted.Redacted<string>,
  code: string,
  nowMillis: number,
  lastStep: number | null
): Effect.Effect<Option.Option<number>, never, Mac.Mac> =>
  Effect.gen(function*() {
    const bytes = base32Decode(Redacted.value(secret))
    if (bytes === undefined || bytes.length === 0) return Option.none()
    let matched: number | null = null
    for (const step of candidateSteps(stepAt(nowMillis), lastStep)) {
      if (equalSecrets(yield* hotp(bytes, step), code)) matched = step
    }
    return Option.fromNullishOr(matched)
  })
