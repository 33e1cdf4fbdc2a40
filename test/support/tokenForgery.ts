import { Layer, ManagedRuntime, Redacted } from "effect"
import { base64url, CompactSign } from "jose"
import { randomUUID } from "node:crypto"
import * as JoseTokenCodec from "../../src/adapters/jose/JoseTokenCodec.ts"
import * as MemoryKeyStore from "../../src/adapters/memory/MemoryKeyStore.ts"
import { KeyStore } from "../../src/ports/KeyStore.ts"
import { type Claims, type SealPurpose, TokenCodec } from "../../src/ports/TokenCodec.ts"

const nowSeconds = () => Math.floor(Date.now() / 1000)

/** Session claims as authfx issues them, `exp` `ttlSeconds` from now (negative: already expired). */
export const sessionClaims = (ttlSeconds: number, extra: Claims = {}): Claims => ({
  sub: "forged-user",
  name: "Mallory",
  email: "mallory@example.com",
  picture: null,
  jti: randomUUID(),
  iat: nowSeconds() - Math.max(0, -ttlSeconds) - 60,
  exp: nowSeconds() + ttlSeconds,
  ...extra
})

const b64json = (value: unknown) => base64url.encode(JSON.stringify(value))

/** The kid a token's protected header names. */
export const kidOf = (token: string): string =>
  String(JSON.parse(new TextDecoder().decode(base64url.decode(token.split(".")[0] ?? "")))["kid"])

/**
 * The keys a deployment with `secret` derives (the memory KeyStore derives the same key bytes from the
 * same secret, under kids of its own), so a test can make tokens authfx would accept — and from them the
 * forgeries an attacker would try: `alg: none`, HMAC under the encryption key (algorithm confusion),
 * another purpose's key. A forgery names `kid` when given (the deployment's own, read from a real cookie
 * with `kidOf`), so that it is the deployment's key it claims, not an unknown one.
 */
export const makeTokenForge = (secret: string) => {
  const runtime = ManagedRuntime.make(
    JoseTokenCodec.layer().pipe(Layer.provideMerge(MemoryKeyStore.layer({ secrets: [Redacted.make(secret)] })))
  )
  const seal = (claims: Claims, purpose: SealPurpose = "session") =>
    runtime.runPromise(TokenCodec.use((codec) => codec.seal(purpose, claims)))
  const sessionKey = () => runtime.runPromise(KeyStore.use((store) => store.current("session")))

  /** A JWS with `alg: none` naming the real session key, and no signature. */
  const algNone = async (claims: Claims, kid?: string) => {
    const key = await sessionKey()
    return `${b64json({ alg: "none", kid: kid ?? key.kid, typ: "JWT" })}.${b64json(claims)}.`
  }

  /** A JWS HMAC-signed (HS256) with the bytes of the session's encryption key, under its kid. */
  const hmacUnderEncryptionKey = async (claims: Claims, kid?: string) => {
    const key = await sessionKey()
    if (key._tag !== "SecretKey") throw new Error("expected the default secret session key")
    return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader({ alg: "HS256", kid: kid ?? key.kid, typ: "JWT" })
      .sign(new Uint8Array(Redacted.value(key.secret)))
  }

  /** A JWS HMAC-signed (HS256) with the secret string itself, as a naive implementation would. */
  const hmacUnderSecret = (claims: Claims) =>
    new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .sign(new TextEncoder().encode(secret))

  return { seal, sessionKey, algNone, hmacUnderEncryptionKey, hmacUnderSecret, dispose: () => runtime.dispose() }
}

/** Changes one base64url character in the middle of a part (an empty part gets one), so its bytes change. */
export const tamperPart = (token: string, part: number): string => {
  const parts = token.split(".")
  const value = parts[part]
  if (value === undefined) throw new Error(`no part ${part}`)
  const at = Math.floor(value.length / 2)
  parts[part] = value.slice(0, at) + (value[at] === "A" ? "B" : "A") + value.slice(at + 1)
  return parts.join(".")
}
