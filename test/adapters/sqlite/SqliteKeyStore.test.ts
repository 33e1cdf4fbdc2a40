import { afterAll, assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Option, Redacted } from "effect"
import { Base64Url } from "effect/encoding"
import { TestClock } from "effect/testing"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import * as MemoryKeyStore from "../../../src/adapters/memory/MemoryKeyStore.ts"
import { open, SqliteDatabase } from "../../../src/adapters/sqlite/SqliteDatabase.ts"
import * as SqliteKeyStore from "../../../src/adapters/sqlite/SqliteKeyStore.ts"
import {
  type Key,
  type KeyPair,
  KeyPurpose,
  KeyStore,
  type KeyStoreUnavailable,
  type SecretKey
} from "../../../src/ports/KeyStore.ts"
import { suite } from "../../conformance/KeyStore.ts"

const dir = mkdtempSync(join(tmpdir(), "authfx-sqlite-keystore-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const newFile = () => join(dir, `keys-${++files}.db`)

const secret = Redacted.make("xfG2CMuMQt8uPkP0T6O9CWZmEP5P9YTt0Zlwrg3nWTjw")
const previousSecret = Redacted.make("P5bzzeBg73QvKH9A9ASE/xRKk53NNpfef9S2IP35/7CM")
const otherSecret = Redacted.make("W82UjcdwJmw+jC5Zn86/MxdAHjL7kLLVEk2wGWQ8dYcR")

const storeAt = (path: string, options: SqliteKeyStore.Options) =>
  SqliteKeyStore.layer(options).pipe(Layer.provide(SqliteDatabase.layer({ path })))

suite("sqlite, default session keys", storeAt(newFile(), { secrets: [secret] }))
suite("sqlite, default session keys and a previous secret", storeAt(newFile(), { secrets: [secret, previousSecret] }))
suite("sqlite, ES256 session keys", storeAt(newFile(), { secrets: [secret], session: { alg: "ES256" } }))

/** The store of one "process run": built in the caller's scope, closed (file and all) when it ends. */
const build = (path: string, options: SqliteKeyStore.Options) =>
  Effect.map(Layer.build(storeAt(path, options)), (context) => Context.get(context, KeyStore))

/** Runs `f` against a store on `path`, then closes the store, as a process that exits. */
const run = <A, E>(path: string, options: SqliteKeyStore.Options, f: (store: KeyStore["Service"]) => Effect.Effect<A, E>) =>
  Effect.scoped(Effect.flatMap(build(path, options), f))

const secretOf = (key: Key): SecretKey => key._tag === "SecretKey" ? key : assert.fail(`${key.kid} is a KeyPair`)
const pairOf = (key: Key): KeyPair => key._tag === "KeyPair" ? key : assert.fail(`${key.kid} is a SecretKey`)
const bytes = (key: Key) => Redacted.value(secretOf(key).secret)
/** What a key is, material included, for comparing one process run's key with another's. */
const material = (key: Key) =>
  key._tag === "SecretKey"
    ? { kid: key.kid, purpose: key.purpose, alg: key.alg, enc: key.enc, secret: Base64Url.encode(bytes(key)) }
    : {
      kid: key.kid,
      purpose: key.purpose,
      alg: key.alg,
      privateJwk: Redacted.value(key.privateJwk),
      publicJwk: key.publicJwk
    }

const everyKey = (store: KeyStore["Service"]) =>
  Effect.map(Effect.forEach(KeyPurpose.literals, store.verificationKeys), (keys) => keys.flat().map(material))

const rawRows = (path: string) => {
  const db = new DatabaseSync(path, { readOnly: true })
  try {
    return db.prepare("SELECT purpose, kid, kind, kek_id, wrapped, public_jwk, retires_at FROM keys").all()
  } finally {
    db.close()
  }
}

const containsBytes = (haystack: Uint8Array, needle: Uint8Array) =>
  Buffer.from(haystack).indexOf(Buffer.from(needle)) >= 0

const es256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const
const data = new TextEncoder().encode("header.payload")
const sign = (pair: KeyPair) =>
  Effect.promise(async () => {
    const key = await crypto.subtle.importKey("jwk", { ...Redacted.value(pair.privateJwk) }, es256, false, ["sign"])
    return new Uint8Array(await crypto.subtle.sign(es256, key, data))
  })
const verifies = (pair: KeyPair, signature: Uint8Array<ArrayBuffer>) =>
  Effect.promise(async () => {
    const key = await crypto.subtle.importKey("jwk", { ...pair.publicJwk }, es256, false, ["verify"])
    return crypto.subtle.verify(es256, key, signature, data)
  })

describe("SqliteKeyStore", () => {
  it.effect("derives the same kids and keys as MemoryKeyStore from the same secrets", () =>
    Effect.gen(function*() {
      const memory = Context.get(
        yield* Layer.build(MemoryKeyStore.layer({ secrets: [secret, previousSecret] })),
        KeyStore
      )
      const sqlite = yield* build(newFile(), { secrets: [secret, previousSecret] })
      assert.deepStrictEqual(yield* everyKey(sqlite), yield* everyKey(memory))
    }))

  describe("across restarts", () => {
    it.effect("the same kids and keys after closing and reopening the file", () =>
      Effect.gen(function*() {
        const path = newFile()
        const before = yield* run(path, { secrets: [secret] }, everyKey)
        const after = yield* run(path, { secrets: [secret] }, everyKey)
        assert.deepStrictEqual(after, before)
        assert.strictEqual(before.length, KeyPurpose.literals.length)
      }))

    it.effect("a rotated key stays current, and the key it retired keeps verifying until its time", () =>
      Effect.gen(function*() {
        const path = newFile()
        const [derived, rotated] = yield* run(path, { secrets: [secret] }, (store) =>
          Effect.all([store.current("csrf"), store.rotate("csrf", { retireAfterSeconds: 3600 })]))
        const reopened = yield* build(path, { secrets: [secret] })
        assert.deepStrictEqual(material(yield* reopened.current("csrf")), material(rotated))
        const old = Option.getOrThrow(yield* reopened.find("csrf", derived.kid))
        assert.deepStrictEqual(material(old), material(derived))
        assert.strictEqual(old.retiresAt?.getTime(), 3600_000)
        yield* TestClock.adjust("1 hour")
        assert.isTrue(Option.isNone(yield* reopened.find("csrf", derived.kid)), "retired after its hour")
        const again = yield* build(path, { secrets: [secret] })
        assert.strictEqual((yield* again.current("csrf")).kid, rotated.kid, "a restart does not bring it back")
      }))

    it.effect("an ES256 key pair survives a restart: a token signed before still verifies after", () =>
      Effect.gen(function*() {
        const path = newFile()
        const options: SqliteKeyStore.Options = { secrets: [secret], session: { alg: "ES256" } }
        const [pair, signature, rotated] = yield* run(path, options, (store) =>
          Effect.gen(function*() {
            const pair = pairOf(yield* store.current("session"))
            const signature = yield* sign(pair)
            const rotated = pairOf(yield* store.rotate("session", { retireAfterSeconds: 3600 }))
            return [pair, signature, rotated] as const
          }))
        const store = yield* build(path, options)
        const found = pairOf(Option.getOrThrow(yield* store.find("session", pair.kid)))
        assert.deepStrictEqual(material(found), material(pair))
        assert.isTrue(yield* verifies(found, signature))
        assert.deepStrictEqual(material(yield* store.current("session")), material(rotated))
        assert.deepStrictEqual((yield* store.jwks).keys.map((jwk) => jwk.kid).sort(), [pair.kid, rotated.kid].sort())
      }))

    it.effect("a previous secret's key retires once, counted from the start that first saw it", () =>
      Effect.gen(function*() {
        const path = newFile()
        const options = { secrets: [secret, previousSecret], retireAfterSeconds: 3600 }
        const old = (yield* run(newFile(), { secrets: [previousSecret] }, (store) => store.current("verification"))).kid
        yield* run(path, options, (store) => store.current("verification"))
        yield* TestClock.adjust("59 minutes")
        assert.isTrue(Option.isSome(yield* run(path, options, (store) => store.find("verification", old))))
        yield* TestClock.adjust("1 minute")
        assert.isTrue(Option.isNone(yield* run(path, options, (store) => store.find("verification", old))))
      }))
  })

  describe("secrets", () => {
    it.effect("a new first secret takes over as a rotation; stored keys open with the previous one and are resealed", () =>
      Effect.gen(function*() {
        const path = newFile()
        const rotated = yield* run(path, { secrets: [previousSecret] }, (store) => store.rotate("checks"))
        const kekBefore = rawRows(path).find((row) => row["kid"] === rotated.kid)?.["kek_id"]

        const [current, found] = yield* run(path, { secrets: [secret, previousSecret] }, (store) =>
          Effect.all([store.current("checks"), store.find("checks", rotated.kid)]))
        const fresh = yield* run(newFile(), { secrets: [secret] }, (store) => store.current("checks"))
        assert.deepStrictEqual(material(current), material(fresh), "the new secret's derived key is current")
        assert.deepStrictEqual(material(Option.getOrThrow(found)), material(rotated), "the rotated key still verifies")
        assert.notStrictEqual(rawRows(path).find((row) => row["kid"] === rotated.kid)?.["kek_id"], kekBefore)

        const withoutPrevious = yield* run(path, { secrets: [secret] }, (store) => store.find("checks", rotated.kid))
        assert.deepStrictEqual(material(Option.getOrThrow(withoutPrevious)), material(rotated), "resealed")
      }))

    it.effect("without any secret that sealed it, a stored current key is replaced, never used", () =>
      Effect.gen(function*() {
        const path = newFile()
        const options = (s: Redacted.Redacted<string>): SqliteKeyStore.Options => ({
          secrets: [s],
          session: { alg: "EdDSA" }
        })
        const pair = yield* run(path, options(secret), (store) => store.current("session"))
        const [current, found] = yield* run(path, options(otherSecret), (store) =>
          Effect.all([store.current("session"), store.find("session", pair.kid)]))
        assert.notStrictEqual(current.kid, pair.kid)
        assert.isTrue(Option.isNone(found))
      }))

    it.effect("changing the session algorithm makes a key of the new kind current; the old one keeps verifying", () =>
      Effect.gen(function*() {
        const path = newFile()
        const dir = yield* run(path, { secrets: [secret] }, (store) => store.current("session"))
        const [current, keys] = yield* run(path, { secrets: [secret], session: { alg: "ES256" } }, (store) =>
          Effect.all([store.current("session"), store.verificationKeys("session")]))
        assert.deepStrictEqual([current._tag, current.alg], ["KeyPair", "ES256"])
        assert.deepStrictEqual(keys.map(material), [material(current), material(dir)])
      }))
  })

  describe("at rest", () => {
    it.effect("no key material is stored in the clear: derived keys not at all, the rest sealed", () =>
      Effect.gen(function*() {
        const path = newFile()
        const [derived, rotated, pair] = yield* run(path, { secrets: [secret], session: { alg: "ES256" } }, (store) =>
          Effect.all([store.current("csrf"), store.rotate("verification"), store.current("session")]))
        const rows = rawRows(path)
        const row = (kid: string) => rows.find((r) => r["kid"] === kid) ?? assert.fail(`no row for ${kid}`)
        assert.deepStrictEqual([row(derived.kid)["wrapped"], row(derived.kid)["kek_id"]], [null, null])

        const sealedSecret = row(rotated.kid)["wrapped"]
        assert.instanceOf(sealedSecret, Uint8Array)
        if (sealedSecret instanceof Uint8Array) assert.isFalse(containsBytes(sealedSecret, bytes(rotated)))

        const sealedPair = row(pair.kid)["wrapped"]
        assert.instanceOf(sealedPair, Uint8Array)
        const d = String(Redacted.value(pairOf(pair).privateJwk)["d"])
        if (sealedPair instanceof Uint8Array) {
          const text = Buffer.from(sealedPair).toString("latin1")
          assert.notInclude(text, d)
          assert.notInclude(text, "\"d\"")
        }
        assert.notInclude(String(row(pair.kid)["public_jwk"]), d)
        assert.notInclude(JSON.stringify(rows.map((r) => ({ ...r, wrapped: null }))), Redacted.value(secret))
      }))

    it.effect("sealed material moved to another row does not open there", () =>
      Effect.gen(function*() {
        const path = newFile()
        const [a, b] = yield* run(path, { secrets: [secret] }, (store) =>
          Effect.gen(function*() {
            const a = yield* store.rotate("csrf", { retireAfterSeconds: 3600 })
            return [a, yield* store.rotate("csrf")] as const
          }))
        const db = new DatabaseSync(path)
        db.prepare("UPDATE keys SET wrapped = (SELECT wrapped FROM keys WHERE kid = ?) WHERE kid = ?").run(b.kid, a.kid)
        db.close()
        const found = yield* run(path, { secrets: [secret] }, (store) => store.find("csrf", a.kid))
        assert.isTrue(Option.isNone(found))
      }))
  })

  describe("shared file", () => {
    it.effect("two stores on one file (two processes) share rotations", () =>
      Effect.gen(function*() {
        const path = newFile()
        const [a, b] = [yield* build(path, { secrets: [secret] }), yield* build(path, { secrets: [secret] })]
        const rotated = yield* a.rotate("session", { retireAfterSeconds: 60 })
        assert.deepStrictEqual(material(yield* b.current("session")), material(rotated))
      }))

    it.effect("two stores starting together on a new file agree on every key pair", () =>
      Effect.gen(function*() {
        const path = newFile()
        const options: SqliteKeyStore.Options = { secrets: [secret], session: { alg: "ES256" } }
        const [a, b] = yield* Effect.all([build(path, options), build(path, options)], { concurrency: "unbounded" })
        assert.deepStrictEqual(yield* everyKey(a), yield* everyKey(b))
        assert.strictEqual((yield* a.verificationKeys("session")).length, 1)
      }))
  })

  it.effect("every operation on a closed database fails with KeyStoreUnavailable, never a defect", () =>
    Effect.gen(function*() {
      const db = yield* open({ path: newFile() })
      const store = Context.get(
        yield* Layer.build(Layer.fresh(SqliteKeyStore.layer({ secrets: [secret] }))).pipe(
          Effect.provideService(SqliteDatabase, db)
        ),
        KeyStore
      )
      db.connection.close()
      const operations: ReadonlyArray<Effect.Effect<unknown, KeyStoreUnavailable>> = [
        store.current("csrf"),
        store.find("csrf", "kid"),
        store.verificationKeys("csrf"),
        store.rotate("csrf"),
        store.jwks
      ]
      const outcomes = yield* Effect.forEach(
        operations,
        (effect) => Effect.map(Effect.flip(effect), (error) => [error._tag, error.message.includes("closed")])
      )
      assert.deepStrictEqual(outcomes, Array.from({ length: 5 }, () => ["KeyStoreUnavailable", true]))
    }))

  it.effect("a weak secret fails the layer with WeakSecret before the file is touched", () =>
    Effect.gen(function*() {
      const path = newFile()
      const error = yield* Effect.flip(build(path, { secrets: [Redacted.make("hunter2hunter2hunter2hunter2hunter2")] }))
      assert.strictEqual(error._tag, "WeakSecret")
      assert.deepStrictEqual(rawRows(path), [])
    }).pipe(Effect.scoped))

  it.effect("invalid options fail the layer with InvalidKeyStoreOptions", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(build(newFile(), { secrets: [] }))
      assert.strictEqual(error._tag, "InvalidKeyStoreOptions")
    }))
})
