/** What the KeyStore conformance suite cannot see: encryption at rest, a fleet sharing keys, secret changes. */
import { assert, describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, Option, Redacted } from "effect"
import { Base64Url } from "effect/encoding"
import { TestClock } from "effect/testing"
import { hkdfSync } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { keyPairOf } from "../../../src/adapters/keyring/keyMaterial.ts"
import { generatePair } from "../../../src/adapters/keyring/keyPairs.ts"
import * as PostgresMigrations from "../../../src/adapters/postgres/migrate.ts"
import { PostgresClient } from "../../../src/adapters/postgres/PostgresClient.ts"
import * as PostgresKeyStore from "../../../src/adapters/postgres/PostgresKeyStore.ts"
import { SqliteDatabase } from "../../../src/adapters/sqlite/SqliteDatabase.ts"
import * as SqliteKeyStore from "../../../src/adapters/sqlite/SqliteKeyStore.ts"
import { type Key, KeyPurpose, KeyStore, type SecretKey } from "../../../src/ports/KeyStore.ts"
import { sealedAsPostgresDid } from "../../support/keySealingBefore.ts"
import { client, databaseUrl, dropSchema, migratedSchema, randomSchema } from "./testDatabase.ts"

const first = Redacted.make("Bfb811rHuaTeHVda7BGm+ZwGljsW4r/o1PZSmvDT0v2S")
const second = Redacted.make("dIjuBMFzYgwNz9UseKYcEM9UoaZ5f7ZmS32omq3UJk4X")

/** Stores ("nodes") over one migrated schema, each with its own pool. */
const fleet = Effect.gen(function*() {
  const schema = yield* migratedSchema("keys")
  const node = (options: PostgresKeyStore.Options) =>
    Effect.flatMap(client(schema, { max: 2 }), (c) => PostgresKeyStore.make(c, options))
  const admin = yield* client(schema, { max: 1 })
  return { node, admin }
})

const currentKids = (store: KeyStore["Service"]) =>
  Effect.forEach(KeyPurpose.literals, (purpose) => Effect.map(store.current(purpose), (key) => key.kid))

/** What a key is, material included. */
const material = (key: Key) =>
  key._tag === "SecretKey"
    ? { kid: key.kid, purpose: key.purpose, alg: key.alg, secret: Base64Url.encode(Redacted.value(key.secret)) }
    : { kid: key.kid, purpose: key.purpose, alg: key.alg, privateJwk: Redacted.value(key.privateJwk), publicJwk: key.publicJwk }

const secretBytes = (key: Key) => key._tag === "SecretKey" ? Redacted.value(key.secret) : assert.fail("a key pair")

describe("PostgresKeyStore", () => {
  it.effect("stores key material only encrypted, and nothing that names the secret", () =>
    Effect.gen(function*() {
      const { admin, node } = yield* fleet
      const store = yield* node({ secrets: [first], session: { alg: "ES256" } })
      const rows = yield* Effect.promise(() => admin.sql`SELECT * FROM authfx_keys`)
      assert.strictEqual(rows.length, 5)
      for (const purpose of ["csrf", "verification", "checks", "tokens"] as const) {
        const key = yield* store.current(purpose)
        const row = rows.find((r) => r["kid"] === key.kid)
        const material = Buffer.from(row?.["material"] as Uint8Array)
        assert.strictEqual(material.length, 12 + 32 + 16, "nonce, ciphertext, tag")
        assert.strictEqual(material.indexOf(Buffer.from(secretBytes(key))), -1, "the key is not in the clear")
      }
      const pair = yield* store.current("session")
      assert.strictEqual(pair._tag, "KeyPair")
      const privateD = pair._tag === "KeyPair" ? String(Redacted.value(pair.privateJwk)["d"]) : ""
      const sessionRow = rows.find((r) => r["kid"] === pair.kid)
      assert.notInclude(Buffer.from(sessionRow?.["material"] as Uint8Array).toString("latin1"), privateD)
      // kek_id (an HKDF of the secret, so a guess at it could be checked against the table) is gone.
      expect(Object.keys(rows[0] ?? {}).sort()).toEqual(["alg", "created_at", "enc", "kid", "material", "purpose", "retires_at"])
    }).pipe(Effect.scoped))

  it.effect("nodes starting at once make one key per purpose, and all of them use it", () =>
    Effect.gen(function*() {
      const { admin, node } = yield* fleet
      const stores = yield* Effect.all(Array.from({ length: 5 }, () => node({ secrets: [first] })), {
        concurrency: "unbounded"
      })
      const kids = yield* Effect.forEach(stores, currentKids)
      for (const each of kids) expect(each).toEqual(kids[0])
      const rows = yield* Effect.promise(() =>
        admin.sql`SELECT purpose, count(*)::int AS n FROM authfx_keys WHERE retires_at IS NULL GROUP BY purpose`
      )
      expect(rows.map((r) => [r["purpose"], r["n"]]).sort()).toEqual(
        [...KeyPurpose.literals].sort().map((purpose) => [purpose, 1])
      )
      // The derived keys of MemoryKeyStore are not used: these are random.
      const again = yield* Effect.flatMap(fleet, (other) => other.node({ secrets: [first] }))
      assert.notDeepEqual(yield* currentKids(again), kids[0])
    }).pipe(Effect.scoped))

  it.effect("a key one node rotates in is found by another as soon as a token names it, and becomes current there", () =>
    Effect.gen(function*() {
      const { node } = yield* fleet
      const [a, b] = [yield* node({ secrets: [first] }), yield* node({ secrets: [first] })]
      const old = yield* b.current("session")
      const rotated = yield* a.rotate("session", { retireAfterSeconds: 3600 })
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual(Option.getOrThrow(yield* b.find("session", rotated.kid)).kid, rotated.kid)
      yield* TestClock.adjust("30 seconds")
      assert.strictEqual((yield* b.current("session")).kid, rotated.kid)
      assert.isTrue(Option.isSome(yield* b.find("session", old.kid)), "the old key still verifies")
      assert.deepStrictEqual(secretBytes(yield* b.current("session")), secretBytes(rotated))
    }).pipe(Effect.scoped))

  it.effect("a new secret listed first keeps every key, re-encrypts them, and the old secret can then go", () =>
    Effect.gen(function*() {
      const { admin, node } = yield* fleet
      const before = yield* currentKids(yield* node({ secrets: [first] }))
      const materials = Effect.promise(() => admin.sql`SELECT kid, material FROM authfx_keys ORDER BY kid`).pipe(
        Effect.map((rows) => rows.map((r) => [String(r["kid"]), Buffer.from(r["material"] as Uint8Array).toString("hex")]))
      )
      const sealedByFirst = yield* materials
      expect(yield* currentKids(yield* node({ secrets: [second, first] }))).toEqual(before)
      const resealed = yield* materials
      expect(resealed.map(([kid]) => kid)).toEqual(sealedByFirst.map(([kid]) => kid))
      for (const [i, [, material]] of resealed.entries()) assert.notStrictEqual(material, sealedByFirst[i]?.[1])
      expect(yield* currentKids(yield* node({ secrets: [second] }))).toEqual(before)

      const stranger = Redacted.make("Es1isXvIeGm8/9NiZSYOhSVeEEeFDef6zLlb7tc4pkLB")
      const error = yield* Effect.flip(node({ secrets: [stranger] }))
      assert.strictEqual(error._tag, "KeyStoreUnavailable")
      assert.include(error.message, "cannot be decrypted with any configured secret")
      assert.notInclude(error.message, Redacted.value(stranger))
    }).pipe(Effect.scoped))

  /** One random key per purpose, as the store makes them (the session one dir + A256GCM). */
  // What each purpose's key is (src/adapters/keyring/keySpec.ts); `purposes` for a schema from before one existed.
  const sealing = (purpose: KeyPurpose) => purpose === "session" || purpose === "checks" || purpose === "tokens"
  const randomKeys = (purposes: ReadonlyArray<KeyPurpose> = KeyPurpose.literals): ReadonlyArray<SecretKey> =>
    purposes.map((purpose) => ({
      _tag: "SecretKey",
      kid: Base64Url.encode(globalThis.crypto.getRandomValues(new Uint8Array(12))),
      purpose,
      alg: sealing(purpose) ? "dir" : "HS256",
      enc: sealing(purpose) ? "A256GCM" : null,
      secret: Redacted.make(globalThis.crypto.getRandomValues(new Uint8Array(32))),
      createdAt: new Date(0),
      retiresAt: null
    }))
  const keysOf = (store: KeyStore["Service"], purposes: ReadonlyArray<KeyPurpose> = KeyPurpose.literals) =>
    Effect.forEach(purposes, (purpose) =>
      Effect.map(store.current(purpose), (key) => [key.kid, Base64Url.encode(secretBytes(key))]))
  const expected = (keys: ReadonlyArray<SecretKey>) => keys.map((key) => [key.kid, Base64Url.encode(secretBytes(key))])

  it.effect("a database of migration 0003 keeps every key: kek_id is dropped, and the KEK is found by trial", () =>
    Effect.gen(function*() {
      const schema = yield* Effect.acquireRelease(
        Effect.sync(() => randomSchema("keys_0003")),
        (name) => Effect.orDie(dropSchema(databaseUrl, name))
      )
      const c = yield* client(schema, { max: 1 })
      const files = yield* Effect.orDie(PostgresMigrations.migrations)
      // The purposes 0003 knew (0005 added `tokens`).
      const purposes = KeyPurpose.literals.filter((purpose) => purpose !== "tokens")
      const keys = randomKeys(purposes)
      // The kek_id 0003's store wrote: an HKDF of the secret, which let anyone reading the table check a guess.
      const kekId = Base64Url.encode(new Uint8Array(hkdfSync("sha256", Redacted.value(first), "authfx", "authfx_keys key-encryption key id", 9)))
      const sealed = keys.map((key) => sealedAsPostgresDid(first, key))
      yield* Effect.promise(async () => {
        await c.sql.unsafe(`CREATE SCHEMA ${schema}`)
        await c.sql`
          CREATE TABLE authfx_migrations (
            version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
          )`
        for (const file of files.filter((f) => f.version <= 3)) {
          await c.sql.unsafe(file.sql)
          await c.sql`INSERT INTO authfx_migrations (version, name, checksum) VALUES (${file.version}, ${file.name}, ${file.checksum})`
        }
        for (const [i, key] of keys.entries()) {
          await c.sql`
            INSERT INTO authfx_keys (kid, purpose, alg, enc, material, kek_id, created_at, retires_at)
            VALUES (${key.kid}, ${key.purpose}, ${key.alg}, ${key.enc}, ${sealed[i]!}, ${kekId}, ${key.createdAt}, NULL)`
        }
      })
      const { applied } = yield* Effect.orDie(PostgresMigrations.migrate.pipe(Effect.provideService(PostgresClient, c)))
      expect(applied).toEqual(files.filter((f) => f.version > 3).map((f) => f.name))
      expect(applied.some((name) => name.endsWith("_authfx_keys_without_kek_id.sql"))).toBe(true)
      const store = yield* PostgresKeyStore.make(yield* client(schema, { max: 2 }), { secrets: [first] })
      expect(yield* keysOf(store, purposes)).toEqual(expected(keys))
      const columns = yield* Effect.promise(() => c.sql`SELECT * FROM authfx_keys`)
      expect(Object.keys(columns[0] ?? {})).not.toContain("kek_id")
    }).pipe(Effect.scoped))

  it.effect("a weak previous secret is accepted only to open what it sealed, which is resealed under the first", () =>
    Effect.gen(function*() {
      const { admin, node } = yield* fleet
      const weak = Redacted.make("hunter2hunter2hunter2hunter2hunter2")
      const keys = randomKeys()
      const sealed = keys.map((key) => sealedAsPostgresDid(weak, key))
      yield* Effect.promise(async () => {
        for (const [i, key] of keys.entries()) {
          await admin.sql`
            INSERT INTO authfx_keys (kid, purpose, alg, enc, material, created_at, retires_at)
            VALUES (${key.kid}, ${key.purpose}, ${key.alg}, ${key.enc}, ${sealed[i]!}, ${key.createdAt}, NULL)`
        }
      })
      assert.strictEqual((yield* Effect.flip(node({ secrets: [weak] })))._tag, "WeakSecret")
      expect(yield* keysOf(yield* node({ secrets: [first, weak] }))).toEqual(expected(keys))
      expect(yield* keysOf(yield* node({ secrets: [first] }))).toEqual(expected(keys))
    }).pipe(Effect.scoped))

  it.effect("keys sealed before the stores shared one scheme, a key pair too, open under a previous secret and are resealed", () =>
    Effect.gen(function*() {
      const { admin, node } = yield* fleet
      const spec = { _tag: "KeyPair", alg: "ES256", enc: null } as const
      const pair = keyPairOf("session", spec, yield* Effect.orDie(generatePair(spec)), new Date(0), null)
      const keys: ReadonlyArray<Key> = [pair, ...randomKeys().filter((key) => key.purpose !== "session")]
      yield* Effect.promise(async () => {
        for (const key of keys) {
          await admin.sql`
            INSERT INTO authfx_keys (kid, purpose, alg, enc, material, created_at, retires_at)
            VALUES (${key.kid}, ${key.purpose}, ${key.alg}, ${key.enc}, ${sealedAsPostgresDid(second, key)}, ${key.createdAt}, NULL)`
        }
      })
      const everyKey = (store: KeyStore["Service"]) =>
        Effect.forEach(keys, (key) => Effect.map(store.current(key.purpose), material))
      const options = { session: { alg: "ES256" } } as const
      expect(yield* everyKey(yield* node({ secrets: [first, second], ...options }))).toEqual(keys.map(material))
      expect(yield* everyKey(yield* node({ secrets: [first], ...options }))).toEqual(keys.map(material))
    }).pipe(Effect.scoped))

  it.effect("one key-encryption scheme: keys SqliteKeyStore sealed, moved into authfx_keys, open there", () =>
    Effect.gen(function*() {
      const { admin, node } = yield* fleet
      const options: SqliteKeyStore.Options = { secrets: [second, first], session: { alg: "ES256" } }
      const dir = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "authfx-one-scheme-"))),
        (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
      )
      const path = join(dir, "keys.db")
      const sqlite = Context.get(
        yield* Layer.build(SqliteKeyStore.layer(options).pipe(Layer.provide(SqliteDatabase.layer({ path })))),
        KeyStore
      )
      const moved = [yield* sqlite.rotate("verification", { retireAfterSeconds: 3600 }), yield* sqlite.current("session")]
      // The rows as SQLite wrote them, sealed under `second`, the first of its secrets.
      const db = new DatabaseSync(path, { readOnly: true })
      const rows = moved.map((key) => db.prepare("SELECT wrapped FROM keys WHERE kid = ?").get(key.kid)?.["wrapped"])
      db.close()
      yield* Effect.promise(async () => {
        for (const [i, key] of moved.entries()) {
          await admin.sql`
            INSERT INTO authfx_keys (kid, purpose, alg, enc, material, created_at, retires_at)
            VALUES (${key.kid}, ${key.purpose}, ${key.alg}, ${key.enc}, ${rows[i] as Uint8Array}, ${key.createdAt},
              ${new Date(3600_000)})`
        }
      })
      const store = yield* node({ secrets: [first, second] })
      const [verification, session] = yield* Effect.forEach(moved, (key) => store.find(key.purpose, key.kid))
      expect(secretBytes(Option.getOrThrow(verification!))).toEqual(secretBytes(moved[0]!))
      const pair = Option.getOrThrow(session!)
      assert.strictEqual(pair._tag, "KeyPair")
      if (pair._tag === "KeyPair" && moved[1]?._tag === "KeyPair") {
        expect(Redacted.value(pair.privateJwk)).toEqual(Redacted.value(moved[1].privateJwk))
        expect(pair.publicJwk).toEqual(moved[1].publicJwk)
      }
    }).pipe(Effect.scoped))

  it.effect("a changed session algorithm rotates the session key at the next start; the old one keeps verifying", () =>
    Effect.gen(function*() {
      const { node } = yield* fleet
      const old = yield* (yield* node({ secrets: [first] })).current("session")
      const store = yield* node({ secrets: [first], session: { alg: "EdDSA" }, retireAfterSeconds: 60 })
      const current = yield* store.current("session")
      expect([current._tag, current.alg]).toEqual(["KeyPair", "EdDSA"])
      expect((yield* store.jwks).keys.map((jwk) => jwk.kid)).toEqual([current.kid])
      const kept = Option.getOrThrow(yield* store.find("session", old.kid))
      assert.isNotNull(kept.retiresAt)
      // Starting again with the same option changes nothing.
      assert.strictEqual((yield* (yield* node({ secrets: [first], session: { alg: "EdDSA" } })).current("session")).kid, current.kid)
    }).pipe(Effect.scoped))

  it.effect.each([
    { case: "no secrets", options: { secrets: [] } },
    { case: "an empty secret", options: { secrets: [first, Redacted.make("")] } },
    { case: "a negative retireAfterSeconds", options: { secrets: [first], retireAfterSeconds: -1 } },
    {
      case: "enc with a signing alg",
      options: { secrets: [first], session: { alg: "HS256", enc: "A256GCM" } as PostgresKeyStore.SessionKeyOptions }
    }
  ] satisfies ReadonlyArray<{ case: string; options: PostgresKeyStore.Options }>)(
    "$case fails with InvalidKeyStoreOptions, before touching the database",
    ({ options }) =>
      Effect.gen(function*() {
        const c = yield* client("authfx_unused", { url: "postgres://postgres@127.0.0.1:1/test", max: 1 })
        const error = yield* Effect.flip(PostgresKeyStore.make(c, options))
        assert.strictEqual(error._tag, "InvalidKeyStoreOptions")
        assert.notInclude(error.message, Redacted.value(first))
      }).pipe(Effect.scoped)
  )

  it.effect("a weak secret fails with WeakSecret, before touching the database", () =>
    Effect.gen(function*() {
      const c = yield* client("authfx_unused", { url: "postgres://postgres@127.0.0.1:1/test", max: 1 })
      const error = yield* Effect.flip(PostgresKeyStore.make(c, { secrets: [Redacted.make("changeme-changeme-changeme-changeme")] }))
      assert.strictEqual(error._tag, "WeakSecret")
      assert.notInclude(error.message, "changeme")
    }).pipe(Effect.scoped))

  it.effect("a database that is down at start fails with KeyStoreUnavailable", () =>
    Effect.gen(function*() {
      const c = yield* client("authfx_unused", { url: "postgres://postgres@127.0.0.1:1/test", max: 1, maxReconnectDelay: 0 })
      const error = yield* Effect.flip(PostgresKeyStore.make(c, { secrets: [first] }))
      assert.strictEqual(error._tag, "KeyStoreUnavailable")
      assert.include(error.message, "refused the connection")
      assert.notInclude(error.message, Base64Url.encode(new TextEncoder().encode(Redacted.value(first))))
    }).pipe(Effect.scoped))
})
