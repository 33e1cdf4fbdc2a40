import { Clock, Effect } from "effect"
import {
  type JWEContentEncryptionAlgorithm,
  type JWEKeyManagementAlgorithm,
  jwtDecrypt,
  type JWTDecryptOptions,
  type JWSAlgorithm,
  jwtVerify,
  type JWTVerifyOptions
} from "jose"
import { type Claims, TokenRejected } from "../../ports/TokenCodec.ts"
import type { CompactHeader } from "./compactHeader.ts"
import type { PreparedKey } from "./keyImport.ts"
import { makeOpenDirGcm } from "./openDirGcm.ts"

type Reason = TokenRejected["reason"]

/** Opens a token under one prepared key; everything that goes wrong is a `TokenRejected`. */
export type Open = (token: string) => Effect.Effect<Claims, TokenRejected>

/** As Auth.js: clocks of a fleet and of the browser's server drift a little. */
const clockToleranceSeconds = 15

// jose's stable error codes, so a jose upgrade that reworded messages changes nothing here.
const reasons: Readonly<Record<string, Reason>> = {
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: "signature",
  ERR_JWE_DECRYPTION_FAILED: "signature",
  ERR_JOSE_ALG_NOT_ALLOWED: "algorithm",
  ERR_JOSE_NOT_SUPPORTED: "algorithm",
  ERR_JWT_EXPIRED: "expired",
  ERR_JWT_CLAIM_VALIDATION_FAILED: "claims",
  // Authentic, but the plaintext is not a JSON object: a claims problem, not garbage.
  ERR_JWT_INVALID: "claims"
}

// Anything else jose throws came from bytes we were handed: a token we refuse, never a defect.
const rejection = (cause: unknown) => {
  const code = typeof cause === "object" && cause !== null && "code" in cause ? cause.code : undefined
  return new TokenRejected({ reason: (typeof code === "string" ? reasons[code] : undefined) ?? "malformed" })
}

/**
 * The checks jose runs for one key, built once per key: exactly the key's algorithm (so `alg: none`, another
 * family and another `enc` are refused by jose too, not only by our header check), a numeric `exp`, and no
 * compressed plaintext (we never compress, and inflating is work an attacker would choose).
 */
export const makeOpen = (key: PreparedKey): Open => {
  if (key.dirGcmKey !== undefined) return makeOpenDirGcm(key.dirGcmKey)
  const claimChecks = { clockTolerance: clockToleranceSeconds, requiredClaims: ["exp"] }
  if (key.serialization === "jws") {
    const base: JWTVerifyOptions = { ...claimChecks, algorithms: [key.alg as JWSAlgorithm] }
    return (token) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.tryPromise({
          try: async () => (await jwtVerify(token, key.openWith, { ...base, currentDate: new Date(now) })).payload,
          catch: rejection
        }))
  }
  const base: JWTDecryptOptions = {
    ...claimChecks,
    keyManagementAlgorithms: [key.alg as JWEKeyManagementAlgorithm],
    contentEncryptionAlgorithms: key.enc === undefined ? [] : [key.enc as JWEContentEncryptionAlgorithm],
    maxDecompressedLength: 0
  }
  return (token) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.tryPromise({
        try: async () => (await jwtDecrypt(token, key.openWith, { ...base, currentDate: new Date(now) })).payload,
        catch: rejection
      }))
}

/**
 * Opens `token` under the key its header's kid chose, if the header also names exactly that key's algorithm
 * (RFC 8725 §3.1): the header picks the key, never how the key is used.
 */
export const openUnder = (
  key: PreparedKey & { readonly open: Open },
  header: CompactHeader,
  token: string
): Effect.Effect<Claims, TokenRejected> =>
  header.alg !== key.alg || header.enc !== key.enc
    ? Effect.fail(new TokenRejected({ reason: "algorithm" }))
    : header.serialization !== key.serialization
    ? Effect.fail(new TokenRejected({ reason: "malformed" }))
    : key.open(token)
