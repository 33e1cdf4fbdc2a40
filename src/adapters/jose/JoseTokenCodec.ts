import { Effect, Layer, Option } from "effect"
import { CompactEncrypt, CompactSign } from "jose"
import { KeyStore } from "../../ports/KeyStore.ts"
import {
  type Claims,
  ClaimsNotJson,
  type SealPurpose,
  TokenCodec,
  TokenRejected,
  TokenTooLarge
} from "../../ports/TokenCodec.ts"
import { type AuthjsOptions, makeAuthjsKeys } from "./authjsLegacy.ts"
import { maxTokenLength, readCompactHeader } from "./compactHeader.ts"
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

/**
 * TokenCodec on jose: JWS or JWE as the purpose's current KeyStore key dictates. Keys are imported once per
 * kid; a request costs one header parse, one KeyStore lookup and one jose verify/decrypt.
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

    const open = (purpose: SealPurpose, token: string) => {
      const header = readCompactHeader(token)
      if (header === undefined) return reject("malformed")
      // Auth.js keys open session tokens only, and only when no authfx key has the token's kid.
      const legacy = purpose === "session" ? authjs : undefined
      const { kid } = header
      if (kid === undefined) return legacy === undefined ? reject("unknownKey") : legacy.open(header, token)
      const cache = caches[purpose]
      return Effect.flatMap(keyStore.find(purpose, kid), (found) => {
        if (Option.isSome(found)) return Effect.flatMap(cache.get(found.value), (key) => openUnder(key, header, token))
        // A retired key is never found again, so its imported material can go.
        cache.forget(kid)
        return legacy === undefined ? reject("unknownKey") : legacy.open(header, token)
      })
    }

    return TokenCodec.of({ seal, open })
  })

export const layer = (options: Options = {}): Layer.Layer<TokenCodec, never, KeyStore> =>
  Layer.effect(TokenCodec, make(options))
