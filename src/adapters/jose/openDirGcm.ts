import { Clock, Effect } from "effect"
import { createDecipheriv } from "node:crypto"
import { type Claims, TokenRejected } from "../../ports/TokenCodec.ts"

type Reason = TokenRejected["reason"]

const clockToleranceSeconds = 15
const strictUtf8 = new TextDecoder("utf-8", { fatal: true })
const reject = (reason: Reason) => Effect.fail(new TokenRejected({ reason }))

// A base64url string of length 4n+1 cannot be decoded; Buffer would silently drop a character, jose refuses.
const decodable = (part: string) => part.length % 4 !== 1

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** jose's JWT claim rules for our options: `exp` required, numeric dates, 15 s tolerance, replicated claims. */
const checkClaims = (header: Record<string, unknown>, claims: Record<string, unknown>, nowSeconds: number): Reason | null => {
  if (!Object.hasOwn(claims, "exp")) return "claims"
  for (const claim of ["iat", "nbf", "exp"] as const) {
    if (claims[claim] !== undefined && typeof claims[claim] !== "number") return "claims"
  }
  const nbf = claims["nbf"] as number | undefined
  if (nbf !== undefined && nbf > nowSeconds + clockToleranceSeconds) return "claims"
  if ((claims["exp"] as number) <= nowSeconds - clockToleranceSeconds) return "expired"
  for (const claim of ["iss", "sub", "aud"] as const) {
    if (header[claim] === undefined) continue
    const same = claim === "aud" ? JSON.stringify(header["aud"]) === JSON.stringify(claims["aud"]) : header[claim] === claims[claim]
    if (!same) return "claims"
  }
  return null
}

/**
 * Opens a compact JWE `dir` + A256GCM token with node:crypto, synchronously: the one format on every
 * request's path (the default session token), where jose over WebCrypto costs a promise and a job per
 * call. It applies exactly the checks jose's jwtDecrypt applies with our options — no `crit` extension and
 * no `zip`; alg `dir` and enc A256GCM and nothing else; an empty encrypted key; a
 * 96-bit IV and a full 128-bit tag (a shorter tag would be forgeable); the protected header as AAD; then
 * the claims — and maps failures to the same reasons. The JoseTokenCodec tests hold it to jose's results.
 */
export const makeOpenDirGcm = (key: Uint8Array) => {
  const cek = Buffer.from(key)
  return (token: string): Effect.Effect<Claims, TokenRejected> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const parts = token.split(".")
      if (parts.length !== 5) return reject("malformed")
      const [protectedPart, encryptedKey, ivPart, ciphertextPart, tagPart] = parts as [string, string, string, string, string]
      if (!decodable(protectedPart)) return reject("malformed")
      let header: unknown
      try {
        header = JSON.parse(strictUtf8.decode(Buffer.from(protectedPart, "base64url")))
      } catch {
        return reject("malformed")
      }
      if (!isObject(header)) return reject("malformed")
      if (header["crit"] !== undefined) {
        const crit = header["crit"]
        return reject(Array.isArray(crit) && crit.length > 0 && crit.every((c) => typeof c === "string") ? "algorithm" : "malformed")
      }
      if (header["zip"] !== undefined) return reject("algorithm")
      // Exactly this key's algorithm, whatever the caller checked: how a key is used is never the header's choice.
      if (header["alg"] !== "dir" || header["enc"] !== "A256GCM") return reject("algorithm")
      if (encryptedKey !== "" || ![ivPart, ciphertextPart, tagPart].every(decodable)) return reject("malformed")
      const iv = Buffer.from(ivPart, "base64url")
      const tag = Buffer.from(tagPart, "base64url")
      if (iv.length !== 12 || tag.length !== 16) return reject("malformed")
      let plaintext: Buffer
      try {
        const decipher = createDecipheriv("aes-256-gcm", cek, iv, { authTagLength: 16 })
        decipher.setAAD(Buffer.from(protectedPart, "ascii"))
        decipher.setAuthTag(tag)
        plaintext = Buffer.concat([decipher.update(Buffer.from(ciphertextPart, "base64url")), decipher.final()])
      } catch {
        return reject("signature")
      }
      let claims: unknown
      try {
        claims = JSON.parse(strictUtf8.decode(plaintext))
      } catch {
        return reject("claims")
      }
      if (!isObject(claims)) return reject("claims")
      const problem = checkClaims(header, claims, Math.floor(now / 1000))
      return problem === null ? Effect.succeed(claims as Claims) : reject(problem)
    })
}
