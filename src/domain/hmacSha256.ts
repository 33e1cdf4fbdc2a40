import { Effect } from "effect"
import { Mac } from "effect/crypto"
import { Hex } from "effect/encoding"

const utf8 = new TextEncoder()

// `Mac.key` copies the secret into a new key each time; a KeyStore's keys live as long as the store, so each
// secret becomes a Mac key once (and WebCrypto's Mac then imports it once).
const macKeys = new WeakMap<Uint8Array, Mac.Key>()

const macKeyOf = (secret: Uint8Array) => {
  const cached = macKeys.get(secret)
  return cached !== undefined
    ? Effect.succeed(cached)
    : Effect.tap(Mac.key(Mac.hmacSha256, secret), (key) => Effect.sync(() => macKeys.set(secret, key)))
}

/**
 * HMAC-SHA256 of `message` (UTF-8) under `secret`, in hex: the one keyed hash authfx computes (the CSRF cookie's
 * tag, the stored hash of an e-mail link's token). It runs on Effect's `Mac` service, so the composition picks the
 * implementation: `cryptoLayer` gives node:crypto's `createHmac`, which answers synchronously and keeps the CSRF
 * check of every POST cheap. Mac only refuses an empty key, and KeyStore keys are 32 bytes: a failure here is a
 * defect.
 */
export const hmacSha256Hex = (secret: Uint8Array, message: string): Effect.Effect<string, never, Mac.Mac> =>
  Mac.Mac.use((mac) =>
    Effect.flatMap(macKeyOf(secret), (key) => Effect.map(mac.sign(key, utf8.encode(message)), Hex.encode))
  ).pipe(Effect.orDie)
