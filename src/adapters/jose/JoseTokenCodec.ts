import { Effect, Layer, Option } from "effect"
import { CompactEncrypt, CompactSign } from "jose"
import { type Key, KeyStore } from "../../ports/KeyStore.ts"
import {
  type Claims,
  ClaimsNotJson,
  type SealPurpose,
  TokenCodec,
  TokenRejected,
  TokenTooLarge
} from "../../ports/TokenCodec.ts"
import { type AuthjsOptions, makeAuthjsKeys } from "./authjsLegacy.ts"
import { type CompactHeader, maxTokenLength, readCompactHeader } from "./compactHeader.ts"
import { type CachedKey, makeKeyCache } from "./keyImport.ts"
import { openUnder } from "./verifyCompact.ts"

export type { AuthjsOptions } from "./authjsLegacy.ts"

export interface Options {
  /** Also open the session tokens of the Auth.js v5 deployment being replaced (JWE dir, keys from its secrets). */
  readonly authjs?: AuthjsOptions
}

const utf8 = new TextEncoder()
const reject = (reason: TokenRejected["reason"]) => Effect.fail(new TokenRejected({ reason }))

// The port's contract: claims carry `exp` (a caller's bug otherwise, so a defect), and a sealed token must be
// one `open` accepts. Claims grown or made unserialisable by application callbacks break the second, so those
// are typed failures the HTTP layer can explain.
const sealUnder = Effect.fnUntraced(function*(key: CachedKey, claims: Claims) {
  if (typeof claims["exp"] !== "number") {
    return yield* Effect.die(new TypeError("TokenCodec.seal: claims must carry a numeric exp"))
  }
  const payload = yield* Effect.try({ try: () => utf8.encode(JSON.stringify(claims)), catch: () => new ClaimsNotJson() })
  // typ per RFC 8725 §3.11; kid so `open` can find the key after rotations.
  const token = yield* Effect.promise(() =>
    key.serialization === "jwe"
      ? new CompactEncrypt(payload)
        .setProtectedHeader({ alg: key.alg, enc: key.enc ?? "A256GCM", kid: key.kid, typ: "JWT" })
        .encrypt(key.sealWith)
      : new CompactSign(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT" }).sign(key.sealWith)
  )
  if (token.length > maxTokenLength) return yield* new TokenTooLarge({ length: token.length })
  return token
})

// The reasons given only after the token proved authentic under the key (its claims are what is wrong).
const authentic = (error: TokenRejected) => error.reason === "expired" || error.reason === "claims"

const matches = (header: CompactHeader) => (key: Key) =>
  key.alg === header.alg && (key.enc ?? undefined) === header.enc

/**
 * TokenCodec on jose: JWS or JWE as the purpose's current KeyStore key dictates. Keys are imported once per
 * kid; a request costs one header parse, one KeyStore lookup and one jose verify/decrypt.
 *
 * A kid says nothing about the secret (adapters/keyring/derivedKeys.ts), so nodes with the same secret, or one
 * process before and after a restart, name the same derived key differently. A token whose kid the store
 * does not know is therefore tried under the purpose's verification keys whose algorithm the header names —
 * a short list: one per configured secret and per rotated key still verifying, current first — as Auth.js
 * tries its secrets. Only keys the store hands out for that purpose, while they verify, are tried: a retired
 * key, another purpose's key or a header's say-so never opens anything. A token found authentic under a key
 * stops the search there, so an expired one is reported as expired; any other failure moves on to the next
 * key, then to the Auth.js keys if configured, else `unknownKey`. An attacker who sends unknown kids costs
 * at most one attempt per verifying key of the purpose. For the default key this stays synchronous on a
 * synchronous store, as the GET /session fast path needs.
 */
export const make = (options: Options = {}): Effect.Effect<TokenCodec["Service"], never, KeyStore> =>
  Effect.gen(function*() {
    const keyStore = yield* KeyStore
    const authjs = options.authjs === undefined ? undefined : yield* makeAuthjsKeys(options.authjs)
    // One cache per purpose: a kid can only ever reach the key material of the purpose it was found under.
    const caches = { session: makeKeyCache(), checks: makeKeyCache() } satisfies Record<SealPurpose, unknown>

    const seal = (purpose: SealPurpose, claims: Claims) =>
      Effect.flatMap(keyStore.current(purpose), (key) =>
        Effect.flatMap(caches[purpose].get(key), (cached) => sealUnder(cached, claims)))

    const openFirst = (
      purpose: SealPurpose,
      [key, ...rest]: ReadonlyArray<Key>,
      header: CompactHeader,
      token: string,
      otherwise: Effect.Effect<Claims, TokenRejected>
    ): Effect.Effect<Claims, TokenRejected> =>
      key === undefined ? otherwise : Effect.flatMap(caches[purpose].get(key), (cached) =>
        Effect.catch(openUnder(cached, header, token), (error) =>
          authentic(error) ? Effect.fail(error) : openFirst(purpose, rest, header, token, otherwise)))

    const open = (purpose: SealPurpose, token: string) => {
      const header = readCompactHeader(token)
      if (header === undefined) return reject("malformed")
      // Auth.js keys open session tokens only, and only when no authfx key opens the token.
      const legacy = purpose === "session" ? authjs : undefined
      const otherwise = legacy === undefined ? reject("unknownKey") : legacy.open(header, token)
      const { kid } = header
      if (kid === undefined) return otherwise
      return Effect.flatMap(keyStore.find(purpose, kid), (found) => {
        if (Option.isSome(found)) return Effect.flatMap(caches[purpose].get(found.value), (key) => openUnder(key, header, token))
        return Effect.flatMap(keyStore.verificationKeys(purpose), (keys) => {
          // Retired keys are never tried again, so their imported material can go.
          caches[purpose].retain(keys)
          return openFirst(purpose, keys.filter(matches(header)), header, token, otherwise)
        })
      })
    }

    // node:crypto opens dir + A256GCM in the calling stack (openDirGcm.ts); jose's other algorithms wait on
    // WebCrypto. So the current session key's kind, and a store that answers at once, decide — once its keys
    // are imported: importing waits, so the session keys that verify now are imported here, at start.
    const sessionKeys = yield* Effect.option(keyStore.verificationKeys("session"))
    if (Option.isSome(sessionKeys)) yield* Effect.forEach(sessionKeys.value, caches.session.get, { discard: true })
    const current = Option.flatMap(sessionKeys, (keys) => Option.fromNullishOr(keys[0]))
    const opensSynchronously = keyStore.answersSynchronously && Option.isSome(current) &&
      current.value._tag === "SecretKey" && current.value.alg === "dir" && current.value.enc === "A256GCM"

    return TokenCodec.of({ seal, open, opensSynchronously })
  })

export const layer = (options: Options = {}): Layer.Layer<TokenCodec, never, KeyStore> =>
  Layer.effect(TokenCodec, make(options))
