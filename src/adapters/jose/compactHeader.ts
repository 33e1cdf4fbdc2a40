import { base64url } from "jose"

/**
 * Session cookies are chunked at ~4 KB and a real session token is well under that; anything past 16 KB is
 * refused before any decoding, so an attacker cannot make us parse megabytes on every request.
 */
export const maxTokenLength = 16 * 1024

/** The header members we read, and the token's compact serialization (RFC 7515 §7.1, RFC 7516 §7.1). */
export interface CompactHeader {
  readonly alg: string
  readonly enc: string | undefined
  readonly kid: string | undefined
  readonly serialization: "jws" | "jwe"
}

// Only base64url characters and the separators: atob is "forgiving" and would accept whitespace, padding and
// `+/`, giving one token several spellings. A JWS has 3 parts, a JWE 5; the parts after the header may be
// empty (a `dir` JWE has no encrypted key). The character classes exclude ".", so this cannot backtrack.
const compactSyntax = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*){2}(?:(?:\.[A-Za-z0-9_-]*){2})?$/

const strictUtf8 = new TextDecoder("utf-8", { fatal: true })

const optionalString = (value: unknown): value is string | undefined =>
  value === undefined || (typeof value === "string" && value.length > 0)

const parseJson = (segment: string): unknown => {
  try {
    return JSON.parse(strictUtf8.decode(base64url.decode(segment)))
  } catch {
    return undefined
  }
}

/**
 * Reads the protected header of a compact JWS or JWE without trusting it: the result only chooses a key, and
 * the key's own algorithm decides how the token is checked. `undefined` means the input is not a compact
 * JOSE serialization at all.
 */
export const readCompactHeader = (token: string): CompactHeader | undefined => {
  if (token.length > maxTokenLength || !compactSyntax.test(token)) return undefined
  const headerEnd = token.indexOf(".")
  const header = parseJson(token.slice(0, headerEnd))
  if (typeof header !== "object" || header === null || Array.isArray(header)) return undefined
  const { alg, enc, kid } = header as Record<string, unknown>
  if (typeof alg !== "string" || alg.length === 0 || !optionalString(enc) || !optionalString(kid)) return undefined
  const serialization = token.indexOf(".", token.indexOf(".", headerEnd + 1) + 1) === -1 ? "jws" : "jwe"
  return { alg, enc, kid, serialization }
}
