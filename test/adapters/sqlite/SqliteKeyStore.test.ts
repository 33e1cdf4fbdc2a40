import { afterAll, assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Option, Redacted, Schema } from "effect"
import { Base64Url } from "effect/encoding"
import { TestClock } from "effect/testing"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CompactEncrypt } from "jose"
import { hkdfSync } from "node:crypto"
import { DatabaseSync, type SQLInputValue } from "node:sqlite"
import * as JoseTokenCodec from "../../../src/adapters/jose/JoseTokenCodec.ts"
import { keyPairOf, secretKeyOf } from "../../../src/adapters/keyring/keyMaterial.ts"
import { generatePair } from "../../../src/adapters/keyring/keyPairs.ts"
import {
  kekFromSecret,
  openDerivedMark,
  type StoredKeyRecord,
  unsealStoredKey
} from "../../../src/adapters/keyring/storedKeySealing.ts"
import * as MemoryKeyStore from "../../../src/adapters/memory/MemoryKeyStore.ts"
import { migrations } from "../../../src/adapters/sqlite/schema.ts"
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
import { TokenCodec } from "../../../src/ports/TokenCodec.ts"
import { type SealedStorage, suite } from "../../conformance/KeyStore.ts"
import { sqlitePlaintextOf, wrappedAsSqliteDid } from "../../support/keySealingBefore.ts"

const dir = mkdtempSync(join(tmpdir(), "authfx-sqlite-keystore-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const newFile = () => join(dir, `keys-${++files}.db`)

const secret = Redacted.make("xfG2CMuMQt8uPkP0T6O9CWZmEP5P9YTt0Zlwrg3nWTjw")
const previousSecret = Redacted.make("P5bzzeBg73QvKH9A9ASE/xRKk53NNpfef9S2IP35/7CM")
const otherSecret = Redacted.make("W82UjcdwJmw+jC5Zn86/MxdAHjL7kLLVEk2wGWQ8dYcR")

const storeAt = (path: string, options: SqliteKeyStore.Options) =>
  SqliteKeyStore.layer(options).pipe(Layer.provide(SqliteDatabase.layer({ path })))

/** The store and its database, with the hooks of the conformance suite's sealed-storage cases. */
const conformance = (name: string, options: SqliteKeyStore.Options) => {
  const storage: SealedStorage<SqliteDatabase> = {
    secrets: options.secrets,
    sealedOf: (key) =>
      SqliteDatabase.use((db) =>
        db.query((sql) => sql.get("SELECT origin, wrapped FROM keys WHERE purpose = :purpose AND kid = :kid", {
          purpose: key.purpose,
          kid: key.kid
        }))
      ).pipe(Effect.map((row) =>
        row?.["origin"] === "sealed" && row["wrapped"] instanceof Uint8Array ? Option.some(row["wrapped"]) : Option.none()
      )),
    insert: (key, sealed) =>
      SqliteDatabase.use((db) =>
        db.query((sql) =>
          sql.run(
            `INSERT INTO keys (purpose, kid, kind, alg, enc, created_at, retires_at, origin, wrapped, public_jwk, sealing)
            VALUES (:purpose, :kid, :kind, :alg, :enc, :created_at, :retires_at, 'sealed', :wrapped, :public_jwk, 'shared')`,
            {
              purpose: key.purpose,
              kid: key.kid,
              kind: key._tag,
              alg: key.alg,
              enc: key.enc,
              created_at: key.createdAt.getTime(),
              retires_at: key.retiresAt?.getTime() ?? null,
              wrapped: sealed,
              public_jwk: key._tag === "KeyPair" ? JSON.stringify(key.publicJwk) : null
            }
          )
        )
      )
  }
  const layer = SqliteKeyStore.layer(options).pipe(Layer.provideMerge(SqliteDatabase.layer({ path: newFile() })))
  suite(name, layer, storage)
}

conformance("sqlite, default session keys", { secrets: [secret] })
conformance("sqlite, default session keys and a previous secret", { secrets: [secret, previousSecret] })
conformance("sqlite, ES256 session keys", { secrets: [secret], session: { alg: "ES256" } })

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
    return db.prepare("SELECT * FROM keys").all()
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
  it.effect("derives the same keys as MemoryKeyStore from the same secrets, under kids of its own", () =>
    Effect.gen(function*() {
      const memory = Context.get(
        yield* Layer.build(MemoryKeyStore.layer({ secrets: [secret, previousSecret] })),
        KeyStore
      )
      const sqlite = yield* build(newFile(), { secrets: [secret, previousSecret] })
      const [fromSqlite, fromMemory] = [yield* everyKey(sqlite), yield* everyKey(memory)]
      const withoutKid = (keys: typeof fromSqlite) => keys.map(({ kid: _kid, ...rest }) => rest)
      assert.deepStrictEqual(withoutKid(fromSqlite), withoutKid(fromMemory))
      for (const [i, key] of fromSqlite.entries()) assert.notStrictEqual(key.kid, fromMemory[i]?.kid)
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
        const old = yield* run(path, options, (store) =>
          Effect.map(store.verificationKeys("verification"), (keys) => keys[1]?.kid ?? assert.fail("no previous key")))
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
        const sealedBefore = rawRows(path).find((row) => row["kid"] === rotated.kid)?.["wrapped"]

        const [current, found] = yield* run(path, { secrets: [secret, previousSecret] }, (store) =>
          Effect.all([store.current("checks"), store.find("checks", rotated.kid)]))
        const fresh = yield* run(newFile(), { secrets: [secret] }, (store) => store.current("checks"))
        assert.deepStrictEqual(bytes(current), bytes(fresh), "the new secret's derived key is current")
        assert.deepStrictEqual(material(Option.getOrThrow(found)), material(rotated), "the rotated key still verifies")
        assert.notDeepEqual(rawRows(path).find((row) => row["kid"] === rotated.kid)?.["wrapped"], sealedBefore)

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
    it.effect("no key material is stored in the clear: derived keys not at all (an empty sealed mark), the rest sealed", () =>
      Effect.gen(function*() {
        const path = newFile()
        const [derived, rotated, pair] = yield* run(path, { secrets: [secret], session: { alg: "ES256" } }, (store) =>
          Effect.all([store.current("csrf"), store.rotate("verification"), store.current("session")]))
        const rows = rawRows(path)
        const row = (kid: string) => rows.find((r) => r["kid"] === kid) ?? assert.fail(`no row for ${kid}`)
        const mark = row(derived.kid)["wrapped"]
        assert.strictEqual(row(derived.kid)["origin"], "derived")
        assert.instanceOf(mark, Uint8Array)
        if (mark instanceof Uint8Array) assert.strictEqual(mark.length, 12 + 16, "IV and tag, no ciphertext")

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

  describe("one key-encryption scheme (adapters/keyring/storedKeySealing.ts)", () => {
    const recordOf = (row: Record<string, unknown>): StoredKeyRecord => ({
      kid: String(row["kid"]),
      purpose: Schema.decodeUnknownSync(KeyPurpose)(row["purpose"]),
      alg: row["alg"] as StoredKeyRecord["alg"],
      enc: row["enc"] as StoredKeyRecord["enc"],
      createdAt: new Date(Number(row["created_at"])),
      retiresAt: row["retires_at"] === null ? null : new Date(Number(row["retires_at"]))
    })
    const wrappedOf = (row: Record<string, unknown>) =>
      row["wrapped"] instanceof Uint8Array ? row["wrapped"] : assert.fail(`no wrapped for ${String(row["kid"])}`)
    /** Every row opens under the shared scheme with `secrets`: a stored key as the store hands it out, a mark as its secret's. */
    const assertSharedScheme = (path: string, secrets: ReadonlyArray<Redacted.Redacted<string>>, keys: ReadonlyArray<Key>) => {
      const keks = secrets.map(kekFromSecret)
      for (const row of rawRows(path)) {
        const record = recordOf(row)
        assert.strictEqual(row["sealing"], "shared", `${record.kid} is marked as sealed in the shared scheme`)
        if (row["origin"] === "derived") {
          assert.isDefined(openDerivedMark(keks, record, wrappedOf(row)), `the mark of ${record.kid}`)
          continue
        }
        const opened = unsealStoredKey(keks, record, wrappedOf(row))
        assert.isDefined(opened, `the key ${record.kid} opens under the shared scheme`)
        const key = keys.find((k) => k.kid === record.kid)
        if (key !== undefined) assert.deepStrictEqual(material(opened!.key), material(key))
      }
    }

    it.effect("what the store seals opens under the shared unsealer with its secrets: stored keys and derived marks", () =>
      Effect.gen(function*() {
        const path = newFile()
        const options: SqliteKeyStore.Options = { secrets: [secret, previousSecret], session: { alg: "EdDSA" } }
        const keys = yield* run(path, options, (store) =>
          Effect.gen(function*() {
            yield* store.rotate("verification", { retireAfterSeconds: 3600 })
            return yield* Effect.map(Effect.forEach(KeyPurpose.literals, store.verificationKeys), (keys) => keys.flat())
          }))
        assert.includeMembers(rawRows(path).map((row) => row["origin"]), ["derived", "sealed"])
        assertSharedScheme(path, [secret, previousSecret], keys)
      }))

    /** A file at the schema just before the shared scheme, its rows written as the store wrote them then. */
    const sharedSchemeStep = migrations.findIndex((migration) => migration.includes("ADD COLUMN sealing"))
    const fileSealedBefore = (rows: ReadonlyArray<Record<string, SQLInputValue>>) => {
      const path = newFile()
      const db = new DatabaseSync(path)
      const steps = sharedSchemeStep < 0 ? migrations : migrations.slice(0, sharedSchemeStep)
      for (const migration of steps) db.exec(migration)
      db.exec(`PRAGMA user_version = ${steps.length}`)
      const insert = db.prepare(`INSERT INTO keys (purpose, kid, kind, alg, enc, created_at, retires_at, origin, wrapped, public_jwk)
        VALUES (:purpose, :kid, :kind, :alg, :enc, :created_at, :retires_at, :origin, :wrapped, :public_jwk)`)
      for (const row of rows) insert.run({ kind: "SecretKey", enc: null, created_at: 0, retires_at: null, public_jwk: null, ...row })
      db.close()
      return path
    }
    const kidAtRandom = () => Base64Url.encode(globalThis.crypto.getRandomValues(new Uint8Array(12)))
    const derivedRowBefore = (s: Redacted.Redacted<string>, purpose: KeyPurpose, alg: string, enc: string | null, retiresAt: number | null) => {
      const row = { purpose, kid: kidAtRandom(), kind: "SecretKey", alg, enc }
      return { ...row, retires_at: retiresAt, origin: "derived", wrapped: wrappedAsSqliteDid(s, row, new Uint8Array(0)) }
    }
    const sealedRowBefore = (s: Redacted.Redacted<string>, key: Key) => {
      const row = { purpose: key.purpose, kid: key.kid, kind: key._tag, alg: key.alg, enc: key.enc }
      return {
        ...row,
        retires_at: key.retiresAt?.getTime() ?? null,
        origin: "sealed",
        wrapped: wrappedAsSqliteDid(s, row, sqlitePlaintextOf(key)),
        public_jwk: key._tag === "KeyPair" ? JSON.stringify(key.publicJwk) : null
      }
    }
    const derivedBytesOf = (s: Redacted.Redacted<string>, info: string, length = 32) =>
      new Uint8Array(hkdfSync("sha256", Redacted.value(s), "authfx", `key ${info}`, length))

    it.effect("a file sealed as the store sealed before keeps every key, under every secret, and is resealed in the shared scheme", () =>
      Effect.gen(function*() {
        const retiresAt = new Date(3600_000)
        const hs256 = { _tag: "SecretKey", alg: "HS256", enc: null } as const
        const random = globalThis.crypto.getRandomValues(new Uint8Array(32))
        const rotated = secretKeyOf("verification", hs256, { kid: kidAtRandom(), bytes: random }, new Date(0), retiresAt)
        const es256 = { _tag: "KeyPair", alg: "ES256", enc: null } as const
        const pair = keyPairOf("session", es256, yield* Effect.orDie(generatePair(es256)), new Date(0), retiresAt)
        const current = [
          derivedRowBefore(secret, "session", "dir", "A256GCM", null),
          derivedRowBefore(secret, "csrf", "HS256", null, null),
          derivedRowBefore(secret, "verification", "HS256", null, null),
          derivedRowBefore(secret, "checks", "dir", "A256GCM", null),
          derivedRowBefore(secret, "tokens", "dir", "A256GCM", null)
        ]
        const previousCsrf = derivedRowBefore(previousSecret, "csrf", "HS256", null, retiresAt.getTime())
        const path = fileSealedBefore([...current, previousCsrf, sealedRowBefore(previousSecret, rotated), sealedRowBefore(secret, pair)])

        const options: SqliteKeyStore.Options = { secrets: [secret, previousSecret] }
        const [keys, jwks] = yield* run(path, options, (store) =>
          Effect.all([Effect.map(Effect.forEach(KeyPurpose.literals, store.verificationKeys), (keys) => keys.flat()), store.jwks]))
        const byKid = (kid: string) => keys.find((key) => key.kid === kid) ?? assert.fail(`${kid} was lost`)
        for (const row of current) assert.strictEqual(byKid(row.kid).retiresAt, null, `${row.purpose} stays current`)
        assert.deepStrictEqual(bytes(byKid(current[1]!.kid)), derivedBytesOf(secret, "csrf HS256 none"))
        assert.deepStrictEqual(bytes(byKid(previousCsrf.kid)), derivedBytesOf(previousSecret, "csrf HS256 none"))
        assert.deepStrictEqual(material(byKid(rotated.kid)), material(rotated))
        assert.deepStrictEqual(material(byKid(pair.kid)), material(pair))
        assert.deepStrictEqual(jwks.keys, [pair.publicJwk])

        // Resealed on the way: every row now opens under the shared scheme, with the same secret as before.
        assertSharedScheme(path, [secret, previousSecret], keys)
        const alone = yield* run(path, { secrets: [secret] }, (store) =>
          Effect.all([store.find("verification", rotated.kid), store.find("session", pair.kid)]))
        assert.deepStrictEqual(alone.map((found) => material(Option.getOrThrow(found))), [material(rotated), material(pair)])
      }))

    it.effect("a derived key's mark relabelled as a stored key is no key (it would be an empty one)", () =>
      Effect.gen(function*() {
        const path = newFile()
        const derived = yield* run(path, { secrets: [secret] }, (store) => store.current("csrf"))
        const db = new DatabaseSync(path)
        db.prepare("UPDATE keys SET origin = 'sealed' WHERE kid = ?").run(derived.kid)
        db.close()
        const keys = yield* run(path, { secrets: [secret] }, (store) => store.verificationKeys("csrf"))
        for (const key of keys) assert.strictEqual(bytes(key).length, 32, `${key.kid} is a 32-byte key`)
        assert.notInclude(keys.map((key) => key.kid), derived.kid)
      }))

    it.effect("the JWKS publishes the public key sealed with the pair, not one written into the file beside it", () =>
      Effect.gen(function*() {
        const path = newFile()
        const options: SqliteKeyStore.Options = { secrets: [secret], session: { alg: "ES256" } }
        const pair = pairOf(yield* run(path, options, (store) => store.current("session")))
        const es256 = { _tag: "KeyPair", alg: "ES256", enc: null } as const
        const forged = { ...(yield* Effect.orDie(generatePair(es256))).publicJwk, kid: pair.kid }
        const db = new DatabaseSync(path)
        db.prepare("UPDATE keys SET public_jwk = ? WHERE kid = ?").run(JSON.stringify(forged), pair.kid)
        db.close()
        const [jwks, found] = yield* run(path, options, (store) => Effect.all([store.jwks, store.find("session", pair.kid)]))
        assert.deepStrictEqual(jwks.keys, [pair.publicJwk])
        assert.deepStrictEqual(pairOf(Option.getOrThrow(found)).publicJwk, pair.publicJwk)
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

  describe("nothing stored or published says anything checkable about a secret", () => {
    /** HKDF-SHA256(secret, salt "authfx", info, length): how authfx named keys and KEKs before. */
    const hkdfId = (s: Redacted.Redacted<string>, info: string, length: number) =>
      Base64Url.encode(new Uint8Array(hkdfSync("sha256", Redacted.value(s), "authfx", info, length)))
    const legacyKid = (s: Redacted.Redacted<string>, purpose: string, alg: string, enc: string | null) =>
      hkdfId(s, `kid ${purpose} ${alg} ${enc ?? "none"}`, 12)
    const columns = (path: string) => {
      const db = new DatabaseSync(path, { readOnly: true })
      try {
        return db.prepare("SELECT name FROM pragma_table_info('keys')").all().map((row) => row["name"])
      } finally {
        db.close()
      }
    }

    it.effect("a derived key's kid is random: not an HKDF of the secret, different in another file", () =>
      Effect.gen(function*() {
        const [a, b] = [newFile(), newFile()]
        const [keysA, keysB] = [
          yield* run(a, { secrets: [secret, previousSecret] }, everyKey),
          yield* run(b, { secrets: [secret, previousSecret] }, everyKey)
        ]
        for (const [i, key] of keysA.entries()) {
          assert.notStrictEqual(key.kid, keysB[i]?.kid)
          for (const s of [secret, previousSecret]) {
            assert.notStrictEqual(key.kid, legacyKid(s, key.purpose, key.alg, "enc" in key ? key.enc : null))
          }
        }
        assert.notInclude(columns(a), "kek_id")
      }))

    /** A file as the first schema left it: derived keys named by HKDF kids, sealed ones by an HKDF `kek_id`. */
    const firstSchemaFile = (rows: ReadonlyArray<Record<string, string | number | Uint8Array | null>>) => {
      const path = newFile()
      const db = new DatabaseSync(path)
      db.exec(migrations[0]!)
      db.exec("PRAGMA user_version = 1")
      const insert = db.prepare(`INSERT INTO keys (purpose, kid, kind, alg, enc, created_at, retires_at, kek_id, wrapped, public_jwk)
        VALUES (:purpose, :kid, :kind, :alg, :enc, :created_at, :retires_at, :kek_id, :wrapped, NULL)`)
      for (const row of rows) insert.run({ kind: "SecretKey", created_at: 0, retires_at: null, kek_id: null, wrapped: null, ...row })
      db.close()
      return path
    }
    const derivedRow = (s: Redacted.Redacted<string>, purpose: string, alg: string, enc: string | null, retiresAt: number | null = null) =>
      ({ purpose, kid: legacyKid(s, purpose, alg, enc), alg, enc, retires_at: retiresAt })
    const sealedRow = (s: Redacted.Redacted<string>, purpose: string, alg: string, enc: string | null, key: Uint8Array) => {
      const kid = Base64Url.encode(globalThis.crypto.getRandomValues(new Uint8Array(12)))
      const wrapped = wrappedAsSqliteDid(s, { purpose, kid, kind: "SecretKey", alg, enc }, key)
      return { purpose, kid, alg, enc, kek_id: hkdfId(s, "kek-id", 12), wrapped }
    }
    const derivedBytes = (s: Redacted.Redacted<string>, info: string, length = 32) =>
      new Uint8Array(hkdfSync("sha256", Redacted.value(s), "authfx", `key ${info}`, length))

    it.effect("a first-schema file keeps every key: stored ones under their kids, derived ones renamed at random", () =>
      Effect.gen(function*() {
        const rotated = globalThis.crypto.getRandomValues(new Uint8Array(32))
        const stored = sealedRow(secret, "verification", "HS256", null, rotated)
        const path = firstSchemaFile([
          derivedRow(secret, "session", "dir", "A256GCM"),
          derivedRow(secret, "csrf", "HS256", null),
          derivedRow(secret, "checks", "dir", "A256GCM"),
          derivedRow(secret, "verification", "HS256", null, 3600_000),
          stored,
          // A secret this deployment no longer has: its row can serve nobody.
          derivedRow(otherSecret, "csrf", "HS256", null, 1_000)
        ])
        const store = yield* build(path, { secrets: [secret] })
        const verification = yield* store.verificationKeys("verification")
        assert.deepStrictEqual(verification.map((key) => [key.kid, Base64Url.encode(bytes(key))]), [
          [stored.kid, Base64Url.encode(rotated)],
          [verification[1]?.kid ?? "", Base64Url.encode(derivedBytes(secret, "verification HS256 none"))]
        ])
        const csrf = yield* store.current("csrf")
        assert.deepStrictEqual(bytes(csrf), derivedBytes(secret, "csrf HS256 none"))

        const rows = rawRows(path)
        assert.notInclude(columns(path), "kek_id")
        // One derived row per purpose (the four of the first schema, and `tokens`), and the stored key.
        assert.deepStrictEqual(rows.map((row) => row["origin"]).sort(), ["derived", "derived", "derived", "derived", "derived", "sealed"])
        const legacy = ["session", "csrf", "checks", "verification"].map((purpose) =>
          legacyKid(secret, purpose, purpose === "csrf" || purpose === "verification" ? "HS256" : "dir", purpose === "csrf" || purpose === "verification" ? null : "A256GCM"))
        for (const row of rows) assert.notInclude([...legacy, legacyKid(otherSecret, "csrf", "HS256", null)], row["kid"])

        // A session cookie issued before the upgrade names the old kid: it still opens.
        const codec = Context.get(yield* Layer.build(JoseTokenCodec.layer().pipe(Layer.provide(Layer.succeed(KeyStore, store)))), TokenCodec)
        const claims = { sub: "user-1", exp: Math.floor(Date.now() / 1000) + 3600 }
        const before = yield* Effect.promise(() =>
          new CompactEncrypt(new TextEncoder().encode(JSON.stringify(claims)))
            .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid: legacy[0]!, typ: "JWT" })
            .encrypt(derivedBytes(secret, "session dir A256GCM")))
        assert.deepStrictEqual(yield* codec.open("session", before), claims)

        // Opened again (another process), nothing changes.
        assert.deepStrictEqual(yield* run(path, { secrets: [secret] }, everyKey), yield* everyKey(store))
      }))

    it.effect("a weak previous secret only opens the keys it sealed, which are resealed; it derives none", () =>
      Effect.gen(function*() {
        const weak = Redacted.make("hunter2hunter2hunter2hunter2hunter2")
        const rotated = globalThis.crypto.getRandomValues(new Uint8Array(32))
        const stored = sealedRow(weak, "checks", "dir", "A256GCM", rotated)
        const path = firstSchemaFile([
          derivedRow(weak, "session", "dir", "A256GCM"),
          derivedRow(weak, "csrf", "HS256", null),
          derivedRow(weak, "verification", "HS256", null),
          stored
        ])
        const keys = yield* run(path, { secrets: [secret, weak] }, (store) =>
          Effect.all([store.find("checks", stored.kid), store.verificationKeys("session"), store.verificationKeys("csrf")]))
        assert.deepStrictEqual(bytes(Option.getOrThrow(keys[0])), rotated, "the stored key is kept")
        for (const [purpose, verifying] of [["session", keys[1]], ["csrf", keys[2]]] as const) {
          assert.deepStrictEqual(
            verifying.map((key) => Base64Url.encode(bytes(key))),
            [Base64Url.encode(derivedBytes(secret, purpose === "csrf" ? "csrf HS256 none" : "session dir A256GCM"))],
            `${purpose}: nothing derived from the weak secret verifies`
          )
        }
        const alone = yield* run(path, { secrets: [secret] }, (store) => store.find("checks", stored.kid))
        assert.deepStrictEqual(bytes(Option.getOrThrow(alone)), rotated, "resealed under the strong secret")
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
