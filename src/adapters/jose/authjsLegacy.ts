import { Effect, Redacted } from "effect"
import { base64url, calculateJwkThumbprint } from "jose"
import { secretStrength } from "../../domain/secretStrength.ts"
import { type Claims, TokenRejected } from "../../ports/TokenCodec.ts"
import type { CompactHeader } from "./compactHeader.ts"
import { type CachedKey, importContentKey } from "./keyImport.ts"
import { makeOpen, openUnder } from "./verifyCompact.ts"

/**
 * Accept the session cookies of an Auth.js v5 (or NextAuth v4) deployment, so moving to authfx signs nobody out.
 * NextAuth v4 names its cookie `next-auth.session-token`: authfx reads it under `http.cookies.prefix: "next-auth"`.
 */
export interface AuthjsOptions {
  /** Its AUTH_SECRET (NEXTAUTH_SECRET), then any older secrets it still accepted (AUTH_SECRET_1…3). */
  readonly secrets: ReadonlyArray<Redacted.Redacted<string>>
  /** The cookie names it salted its keys with. */
  readonly salts?: ReadonlyArray<string>
}

export const defaultSalts: ReadonlyArray<string> = ["authjs.session-token", "__Secure-authjs.session-token"]

// @auth/core jwt.ts: `encode` always writes A256CBC-HS512; `decode` also accepts A256GCM. The kid is the
// RFC 7638 thumbprint of the key as an oct JWK, hashed with SHA-(key bits).
const encodings = [
  { enc: "A256CBC-HS512", bytes: 64, digest: "sha512" },
  { enc: "A256GCM", bytes: 32, digest: "sha256" }
] as const

const utf8 = new TextEncoder()

const hkdfSha256 = async (secret: string, salt: string, info: string, length: number) => {
  const ikm = await globalThis.crypto.subtle.importKey("raw", utf8.encode(secret), "HKDF", false, ["deriveBits"])
  const params = { name: "HKDF", hash: "SHA-256", salt: utf8.encode(salt), info: utf8.encode(info) }
  return new Uint8Array(await globalThis.crypto.subtle.deriveBits(params, ikm, length * 8))
}

// @auth/core jwt.ts getDerivedEncryptionKey, through @panva/hkdf: HKDF-SHA256 with the cookie name as salt.
const deriveKey = (secret: string, salt: string, length: number) =>
  hkdfSha256(secret, salt, `Auth.js Generated Encryption Key (${salt})`, length)

// next-auth 4 jwt/index.js getDerivedEncryptionKey: the same HKDF with an empty salt (its default, which its
// own encode, decode and getToken use) and its own info, 32 bytes for `dir` + A256GCM. Its tokens carry no kid.
const nextAuthV4 = { enc: "A256GCM", bytes: 32, digest: "sha256" } as const
const deriveNextAuthV4Key = (secret: string) => hkdfSha256(secret, "", "NextAuth.js Generated Encryption Key", nextAuthV4.bytes)

const prepare = async (secret: string, salt: string, encoding: typeof encodings[number]): Promise<CachedKey> =>
  prepareBytes(await deriveKey(secret, salt, encoding.bytes), encoding)

const prepareBytes = async (bytes: Uint8Array<ArrayBuffer>, encoding: typeof encodings[number]): Promise<CachedKey> => {
  const kid = await calculateJwkThumbprint({ kty: "oct", k: base64url.encode(bytes) }, encoding.digest)
  const material = await importContentKey(bytes, encoding.enc)
  const prepared = {
    kid,
    alg: "dir",
    enc: encoding.enc,
    serialization: "jwe",
    sealWith: material,
    openWith: material
  } as const
  return { ...prepared, open: makeOpen(prepared) }
}

export interface AuthjsKeys {
  /** Opens a token whose kid is not one of ours, if it is an Auth.js session token under one of the secrets. */
  readonly open: (header: CompactHeader, token: string) => Effect.Effect<Claims, TokenRejected>
}

const reject = (reason: TokenRejected["reason"]) => Effect.fail(new TokenRejected({ reason }))

const openFirst = (
  [key, ...rest]: ReadonlyArray<CachedKey>,
  token: string
): Effect.Effect<Claims, TokenRejected> =>
  key === undefined
    ? reject("signature")
    : Effect.catch(key.open(token), (error) =>
      error.reason === "signature" ? openFirst(rest, token) : Effect.fail(error))

/** Derives every (secret, salt, enc) key once, at layer build; a request only looks one up by kid. */
export const makeAuthjsKeys = (options: AuthjsOptions): Effect.Effect<AuthjsKeys> =>
  Effect.gen(function*() {
    const secrets = options.secrets.map(Redacted.value)
    // HKDF of an empty secret is a key anyone can compute: refusing to start beats accepting forged sessions.
    if (secrets.some((secret) => secret.length === 0)) {
      return yield* Effect.die(new RangeError("authjs.secrets must not hold an empty secret"))
    }
    // Not refused like authfx's own secrets: it is the old deployment's, already chosen, and refusing it would
    // sign out everyone the migration is meant to keep. Its cookies are only as safe as it is, so say so.
    for (const [index, secret] of secrets.entries()) {
      const strength = secretStrength(secret)
      if (strength === "strong") continue
      yield* Effect.logWarning(
        `authfx: authjsSecrets[${index}] is weak (${strength}): Auth.js session cookies made with it can be forged ` +
          "and are accepted while it is listed; remove it once they have expired"
      )
    }
    const salts = options.salts ?? defaultSalts
    const keys = yield* Effect.promise(() =>
      Promise.all(secrets.flatMap((secret) =>
        salts.flatMap((salt) => encodings.map((encoding) => prepare(secret, salt, encoding)))
      ))
    )
    const byKid = new Map(keys.map((key) => [key.kid, key]))
    // Only tried for tokens without a kid, after Auth.js v5's keys: v4 never named its key.
    const v4Keys = yield* Effect.promise(() =>
      Promise.all(secrets.map(async (secret) => prepareBytes(await deriveNextAuthV4Key(secret), nextAuthV4)))
    )
    const withoutKid = [...keys, ...v4Keys]

    // Tokens from before Auth.js named its key (and every NextAuth v4 token) carry no kid; like Auth.js, try
    // each key for their enc, in order. Only a failed tag moves on, so an expired token is reported as expired.
    const openWithoutKid = (header: CompactHeader, token: string) => {
      const candidates = withoutKid.filter((key) => key.enc === header.enc)
      if (header.alg !== "dir" || header.serialization !== "jwe" || candidates.length === 0) {
        return reject("unknownKey")
      }
      return openFirst(candidates, token)
    }

    return {
      open: (header, token) => {
        if (header.kid === undefined) return openWithoutKid(header, token)
        const key = byKid.get(header.kid)
        return key === undefined ? reject("unknownKey") : openUnder(key, header, token)
      }
    }
  })
