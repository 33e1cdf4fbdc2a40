import { decode, encode } from "@auth/core/jwt"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Logger, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { base64url, calculateJwkThumbprint, EncryptJWT } from "jose"
import { decode as decodeV4, encode as encodeV4 } from "next-auth-v4/jwt"
import { hkdfSync } from "node:crypto"
import type { StoreOptions } from "./joseTokenFixtures.ts"
import {
  b64json,
  claimsFor,
  codecLayer,
  headerOf,
  isDefect,
  nowSeconds,
  open,
  rejectionOf,
  seal,
  segments,
  tamper,
  withCodec
} from "./joseTokenFixtures.ts"

const authSecret = "hyi8uc87kXiNDdz6N8MxQeDAicCD4U6UndDBfNr8KBRC"
const olderAuthSecret = "V3jfcBv+7vK4dyjIX8J5YLs15/pewGq/fbhyDhufyvrM"
const salt = "authjs.session-token"
const secureSalt = "__Secure-authjs.session-token"

const user = { name: "Ada Lovelace", email: "ada@example.com", picture: "https://img.test/ada.png", sub: "user-1" }

const migrating = (secrets: ReadonlyArray<string>, salts?: ReadonlyArray<string>): StoreOptions => ({
  codec: {
    authjs: { secrets: secrets.map((s) => Redacted.make(s)), ...(salts === undefined ? {} : { salts }) }
  }
})

// @auth/core stamps iat/exp with Date.now(), so these tests run the TestClock at the real time.
const atRealTime = (options: StoreOptions = {}) => withCodec(options, Date.now())

const authjsToken = (secret: string | Array<string>, tokenSalt = salt, maxAge?: number) =>
  Effect.promise(() => encode({ token: user, secret, salt: tokenSalt, ...(maxAge === undefined ? {} : { maxAge }) }))

/** What an Auth.js deployment derives for `enc` (authjs-wire.md §1.7), computed independently with node:crypto. */
const authjsKey = async (secret: string, tokenSalt: string, bytes: 32 | 64) => {
  const info = `Auth.js Generated Encryption Key (${tokenSalt})`
  const key = new Uint8Array(hkdfSync("sha256", secret, tokenSalt, info, bytes))
  const kid = await calculateJwkThumbprint({ kty: "oct", k: base64url.encode(key) }, bytes === 64 ? "sha512" : "sha256")
  return { key, kid }
}

/** A token as an Auth.js `decode` accepts but `encode` does not write: A256GCM, with or without kid. */
const authjsGcmToken = (secret: string, withKid: boolean) =>
  Effect.promise(async () => {
    const { key, kid } = await authjsKey(secret, salt, 32)
    const now = Math.floor(Date.now() / 1000)
    return new EncryptJWT({ ...user })
      .setProtectedHeader({ alg: "dir", enc: "A256GCM", ...(withKid ? { kid } : {}) })
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .setJti(crypto.randomUUID())
      .encrypt(key)
  })

describe("JoseTokenCodec, Auth.js v5 session tokens", () => {
  it.effect("opens a token made by @auth/core's encode and yields exactly the claims Auth.js decodes", () =>
    atRealTime(migrating([authSecret]))(Effect.gen(function*() {
      const token = yield* authjsToken(authSecret)
      const header = headerOf(token)
      const { kid } = yield* Effect.promise(() => authjsKey(authSecret, salt, 64))
      assert.deepStrictEqual(header, { alg: "dir", enc: "A256CBC-HS512", kid }, "the wire format we derive keys for")
      const claims = yield* open("session", token)
      const expected = yield* Effect.promise(() => decode({ token, secret: authSecret, salt }))
      assert.deepStrictEqual(claims, { ...expected })
      assert.deepStrictEqual(Object.keys(claims).sort(), ["email", "exp", "iat", "jti", "name", "picture", "sub"])
      assert.deepStrictEqual({ ...claims, iat: 0, exp: 0, jti: "" }, { ...user, iat: 0, exp: 0, jti: "" })
    })))

  it.effect("opens a token salted with the __Secure- cookie name", () =>
    atRealTime(migrating([authSecret]))(Effect.gen(function*() {
      const claims = yield* open("session", yield* authjsToken(authSecret, secureSalt))
      assert.strictEqual(claims["email"], user.email)
    })))

  it.effect("opens tokens of an older Auth.js secret listed after the current one", () =>
    atRealTime(migrating([authSecret, olderAuthSecret]))(Effect.gen(function*() {
      assert.strictEqual((yield* open("session", yield* authjsToken(olderAuthSecret)))["sub"], user.sub)
      assert.strictEqual((yield* open("session", yield* authjsToken(authSecret)))["sub"], user.sub)
    })))

  it.effect("opens the A256GCM variant Auth.js decode accepts, with its SHA-256 thumbprint kid or without a kid", () =>
    atRealTime(migrating([olderAuthSecret, authSecret]))(Effect.gen(function*() {
      for (const withKid of [true, false]) {
        const claims = yield* open("session", yield* authjsGcmToken(authSecret, withKid))
        assert.strictEqual(claims["email"], user.email, withKid ? "with kid" : "without kid")
      }
    })))

  it.effect("custom salts replace the defaults", () =>
    atRealTime(migrating([authSecret], ["next-app.session"]))(Effect.gen(function*() {
      assert.strictEqual((yield* open("session", yield* authjsToken(authSecret, "next-app.session")))["sub"], user.sub)
      assert.strictEqual(yield* rejectionOf(open("session", yield* authjsToken(authSecret))), "unknownKey")
    })))

  it.effect("without the authjs option an Auth.js token is unknownKey", () =>
    atRealTime()(Effect.gen(function*() {
      assert.strictEqual(yield* rejectionOf(open("session", yield* authjsToken(authSecret))), "unknownKey")
    })))

  it.effect("a token of another Auth.js secret is unknownKey (its kid is not derived from ours)", () =>
    atRealTime(migrating([authSecret]))(Effect.gen(function*() {
      const token = yield* authjsToken("some-other-deployment-secret")
      assert.strictEqual(yield* rejectionOf(open("session", token)), "unknownKey")
    })))

  it.effect("a kid-less token under another secret fails its tag: signature", () =>
    atRealTime(migrating([authSecret]))(Effect.gen(function*() {
      const token = yield* authjsGcmToken(olderAuthSecret, false)
      assert.strictEqual(yield* rejectionOf(open("session", token)), "signature")
    })))

  it.effect("a tampered Auth.js token is refused with reason signature", () =>
    atRealTime(migrating([authSecret]))(Effect.gen(function*() {
      const token = yield* authjsToken(authSecret)
      for (const part of [2, 3, 4]) {
        assert.strictEqual(yield* rejectionOf(open("session", tamper(token, part))), "signature", `part ${part}`)
      }
    })))

  it.effect("an Auth.js kid with another alg or enc is refused with reason algorithm", () =>
    atRealTime(migrating([authSecret]))(Effect.gen(function*() {
      const [, ...rest] = segments(yield* authjsToken(authSecret))
      const { kid } = yield* Effect.promise(() => authjsKey(authSecret, salt, 64))
      for (const header of [{ alg: "A256KW", enc: "A256CBC-HS512", kid }, { alg: "dir", enc: "A256GCM", kid }]) {
        assert.strictEqual(yield* rejectionOf(open("session", [b64json(header), ...rest].join("."))), "algorithm")
      }
      const jws = `${b64json({ alg: "HS512", kid })}.${b64json(user)}.c2ln`
      assert.strictEqual(yield* rejectionOf(open("session", jws)), "algorithm")
    })))

  it.effect("an expired Auth.js token is refused with reason expired, after the same 15 s tolerance", () =>
    atRealTime(migrating([authSecret]))(Effect.gen(function*() {
      const token = yield* authjsToken(authSecret, salt, 60)
      yield* TestClock.adjust("74 seconds")
      assert.strictEqual((yield* open("session", token))["sub"], user.sub)
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual(yield* rejectionOf(open("session", token)), "expired")
    })))

  it.effect("Auth.js keys open session tokens only, never checks", () =>
    atRealTime(migrating([authSecret]))(Effect.gen(function*() {
      assert.strictEqual(yield* rejectionOf(open("checks", yield* authjsToken(authSecret))), "unknownKey")
    })))

  it.effect("authfx's own tokens still open, and are sealed with authfx keys, with the option on", () =>
    atRealTime(migrating([authSecret]))(Effect.gen(function*() {
      const claims = claimsFor(yield* nowSeconds)
      const token = yield* seal("session", claims)
      const { kid } = yield* Effect.promise(() => authjsKey(authSecret, salt, 64))
      assert.notStrictEqual(headerOf(token)["kid"], kid)
      assert.deepStrictEqual(yield* open("session", token), claims)
    })))

  it.effect("a weak Auth.js secret is accepted (it is the old deployment's, for migration only), with a warning", () =>
    Effect.gen(function*() {
      const logged: Array<string> = []
      const collect = Logger.make(({ message }) => void logged.push(String(message)))
      yield* Layer.build(codecLayer({ codec: { authjs: { secrets: [Redacted.make(authSecret), Redacted.make("hunter2")] } } }))
        .pipe(Effect.provide(Logger.layer([collect])))
      assert.strictEqual(logged.length, 1)
      assert.include(logged[0], "authjsSecrets[1]")
      assert.notInclude(logged[0], "hunter2")
    }))

  it.effect("an empty Auth.js secret fails the layer (HKDF of \"\" is a key anyone can compute)", () =>
    Effect.gen(function*() {
      const build = Layer.build(codecLayer({ codec: { authjs: { secrets: [Redacted.make("")] } } }))
      assert.isTrue(yield* isDefect(build))
    }))
})

// next-auth 4's `next-auth-v4/jwt` encode: JWE dir + A256GCM, no kid, key HKDF-SHA256(secret, "", "NextAuth.js
// Generated Encryption Key", 32). Its cookie is `next-auth.session-token`, which authfx reads under the cookie
// prefix "next-auth"; the codec does not care about the name.
describe("JoseTokenCodec, NextAuth v4 session tokens", () => {
  const v4Token = (secret: string, maxAge?: number) =>
    Effect.promise(() => encodeV4({ token: user, secret, ...(maxAge === undefined ? {} : { maxAge }) }))

  it.effect("opens a token made by next-auth 4's encode and yields exactly the claims its decode yields", () =>
    atRealTime(migrating([authSecret]))(Effect.gen(function*() {
      const token = yield* v4Token(authSecret)
      assert.deepStrictEqual(headerOf(token), { alg: "dir", enc: "A256GCM" }, "the wire format we derive a key for")
      const claims = yield* open("session", token)
      const expected = yield* Effect.promise(() => decodeV4({ token, secret: authSecret }))
      assert.deepStrictEqual(claims, { ...expected })
      assert.deepStrictEqual(Object.keys(claims).sort(), ["email", "exp", "iat", "jti", "name", "picture", "sub"])
    })))

  it.effect("opens tokens of an older secret listed after the current one", () =>
    atRealTime(migrating([authSecret, olderAuthSecret]))(Effect.gen(function*() {
      assert.strictEqual((yield* open("session", yield* v4Token(olderAuthSecret)))["sub"], user.sub)
    })))

  it.effect("a token of another secret, or a tampered one, fails its tag: signature", () =>
    atRealTime(migrating([authSecret]))(Effect.gen(function*() {
      assert.strictEqual(yield* rejectionOf(open("session", yield* v4Token(olderAuthSecret))), "signature")
      const token = yield* v4Token(authSecret)
      for (const part of [2, 3, 4]) {
        assert.strictEqual(yield* rejectionOf(open("session", tamper(token, part))), "signature", `part ${part}`)
      }
    })))

  it.effect("without the authjs option a v4 token is refused", () =>
    atRealTime()(Effect.gen(function*() {
      assert.strictEqual(yield* rejectionOf(open("session", yield* v4Token(authSecret))), "unknownKey")
    })))

  it.effect("an expired v4 token is refused with reason expired, after the same 15 s tolerance", () =>
    atRealTime(migrating([authSecret]))(Effect.gen(function*() {
      const token = yield* v4Token(authSecret, 60)
      yield* TestClock.adjust("74 seconds")
      assert.strictEqual((yield* open("session", token))["sub"], user.sub)
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual(yield* rejectionOf(open("session", token)), "expired")
    })))

  it.effect("the v4 key opens session tokens only, never checks", () =>
    atRealTime(migrating([authSecret]))(Effect.gen(function*() {
      assert.strictEqual(yield* rejectionOf(open("checks", yield* v4Token(authSecret))), "unknownKey")
    })))
})
