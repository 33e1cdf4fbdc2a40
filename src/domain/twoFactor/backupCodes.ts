import { Effect, Option } from "effect"
import { SecureRandom } from "effect/crypto"
import { keyedHashes } from "../secretToken.ts"
import type { UserId } from "../User.ts"
import { base32Encode } from "./base32.ts"

/** How many backup codes an enrolment gets (and a regeneration replaces them with). */
export const backupCodeCount = 10

/** 10 base32 characters: 50 random bits a code, far beyond guessing under the per-user rate limit. */
const codeLength = 10

/** Fresh backup codes as shown to the user once: "abcde-fghij". */
export const freshBackupCodes = Effect.gen(function*() {
  const random = yield* SecureRandom.SecureRandom
  const codes: Array<string> = []
  for (let i = 0; i < backupCodeCount; i++) {
    const text = base32Encode(yield* random.randomBytes(7)).slice(0, codeLength).toLowerCase()
    codes.push(`${text.slice(0, 5)}-${text.slice(5)}`)
  }
  return codes
})

/** A typed backup code as compared: without spaces and dashes, lower case; None when it cannot be one. */
export const backupCodeShaped = (code: string): Option.Option<string> => {
  const clean = code.replace(/[\s-]/g, "").toLowerCase()
  return /^[a-z2-7]{10}$/.test(clean) ? Option.some(clean) : Option.none()
}

/**
 * The stored form of a backup code: HMAC-SHA256 under the `verification` keys, as e-mail link tokens are kept,
 * bound to the user (a hash copied to another user's row matches nothing there). Every verifying key's hash,
 * current first: storing takes the first, a lookup tries all, so a key rotation keeps codes usable.
 */
export const backupCodeHashes = (userId: UserId, code: string) =>
  keyedHashes("verification", `authfx.backup-code\u0000${userId}\u0000${code.replace(/[\s-]/g, "").toLowerCase()}`)
