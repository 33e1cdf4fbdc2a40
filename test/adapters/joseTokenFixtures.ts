import { assert } from "@effect/vitest"
import { Cause, Clock, Context, Effect, Exit, Layer, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { base64url, CompactEncrypt, CompactSign, importJWK } from "jose"
import * as JoseTokenCodec from "../../src/adapters/jose/JoseTokenCodec.ts"
import * as MemoryKeyStore from "../../src/adapters/memory/MemoryKeyStore.ts"
import { type Key, KeyStore } from "../../src/ports/KeyStore.ts"
import { type Claims, type SealPurpose, TokenCodec, TokenRejected } from "../../src/ports/TokenCodec.ts"

export const secret = Redacted.make("J2zhw25aYqYPnv0fvT0+Rm2lbaWCRwSPZ1CKfrZ0tUzj")
export const foreignSecret = Redacted.make("Vxh4kY68okB7vSlHt8ILJtBMEKIe4+kCvvxYz7vySQbL")

/** 2026-01-15T12:00:00Z: a realistic "now", far from the epoch a fresh TestClock starts at. */
export const epochMillis = Date.UTC(2026, 0, 15, 12)

export interface StoreOptions {
  readonly session?: MemoryKeyStore.SessionKeyOptions
  readonly secrets?: ReadonlyArray<Redacted.Redacted<string>>
  readonly codec?: JoseTokenCodec.Options
}

export const codecLayer = (options: StoreOptions = {}) =>
  JoseTokenCodec.layer(options.codec).pipe(Layer.provideMerge(MemoryKeyStore.layer({
    secrets: options.secrets ?? [secret],
    ...(options.session === undefined ? {} : { session: options.session })
  })))

/** Sets the clock first, so keys, tokens and expiry all live at a realistic time. */
export const withCodec = (options: StoreOptions = {}, at: number = epochMillis) =>
<A, E, R>(body: Effect.Effect<A, E, R>) =>
  Effect.andThen(TestClock.setTime(at), Effect.provide(body, codecLayer(options)))

/** A second, independent deployment's codec, built inside the running test. */
export const buildCodec = (options: StoreOptions = {}) =>
  Effect.map(Layer.build(codecLayer(options)), (context) => Context.get(context, TokenCodec))

export const nowSeconds = Effect.map(Clock.currentTimeMillis, (millis) => Math.floor(millis / 1000))

export const claimsFor = (now: number, ttlSeconds = 3600): Claims => ({
  sub: "user-1",
  name: "Ada Lovelace",
  email: "ada@example.com",
  picture: "https://img.test/ada.png",
  iat: now,
  exp: now + ttlSeconds,
  jti: "2f0c3c0e-95c8-4a4e-8f5c-6a4b3f1f1a11"
})

export const seal = (purpose: SealPurpose, claims: Claims) => TokenCodec.use((codec) => codec.seal(purpose, claims))
export const open = (purpose: SealPurpose, token: string) => TokenCodec.use((codec) => codec.open(purpose, token))
export const currentKey = (purpose: SealPurpose) => KeyStore.use((store) => store.current(purpose))

/**
 * Runs `effect` expecting a `TokenRejected` in the error channel (never a defect, never a success) and returns
 * its reason, so tests assert the exact outcome.
 */
export const rejectionOf = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.exit(effect), (exit) => {
    if (Exit.isSuccess(exit)) return assert.fail("expected TokenRejected, the token was accepted")
    assert.isFalse(Cause.hasDies(exit.cause), `expected a failure, not a defect: ${Cause.pretty(exit.cause)}`)
    const error = Cause.squash(exit.cause)
    if (!(error instanceof TokenRejected)) return assert.fail(`expected TokenRejected, got ${String(error)}`)
    return error.reason
  })

export const isDefect = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.exit(effect), (exit) => Exit.isFailure(exit) && Cause.hasDies(exit.cause))

const utf8 = new TextEncoder()
export const b64json = (value: unknown) => base64url.encode(JSON.stringify(value))
export const segments = (token: string) => token.split(".")
export const headerOf = (token: string): Record<string, unknown> =>
  JSON.parse(new TextDecoder().decode(base64url.decode(segments(token)[0] ?? "")))

/** Changes one whole base64url character in the middle of a part, so the decoded bytes surely change. */
export const tamper = (token: string, part: number) => {
  const parts = segments(token)
  const value = parts[part] ?? assert.fail(`no part ${part}`)
  const at = Math.floor(value.length / 2)
  parts[part] = value.slice(0, at) + (value[at] === "A" ? "B" : "A") + value.slice(at + 1)
  return parts.join(".")
}

export const secretBytes = (key: Key) =>
  key._tag === "SecretKey" ? new Uint8Array(Redacted.value(key.secret)) : assert.fail(`${key.kid} is a key pair`)

/**
 * Seals `payload` with the real key material of `key`, bypassing the codec: how tests make tokens the codec
 * would never make (no exp, odd claims, extra header members) that are nonetheless authentic.
 */
export const sealRaw = (key: Key, payload: Uint8Array | object, header: Record<string, unknown> = {}) =>
  Effect.promise(async () => {
    const bytes = payload instanceof Uint8Array ? payload : utf8.encode(JSON.stringify(payload))
    const jws = { alg: key.alg, kid: key.kid, typ: "JWT", ...header }
    const jwe = { ...jws, enc: key.enc ?? "A256GCM", ...header }
    if (key._tag === "SecretKey") {
      return key.alg === "dir"
        ? new CompactEncrypt(bytes).setProtectedHeader(jwe).encrypt(secretBytes(key))
        : new CompactSign(bytes).setProtectedHeader(jws).sign(secretBytes(key))
    }
    return key.publicJwk.use === "enc"
      ? new CompactEncrypt(bytes).setProtectedHeader(jwe).encrypt(await importJWK({ ...key.publicJwk }, key.alg))
      : new CompactSign(bytes).setProtectedHeader(jws).sign(
        await importJWK({ ...Redacted.value(key.privateJwk) }, key.alg)
      )
  })
