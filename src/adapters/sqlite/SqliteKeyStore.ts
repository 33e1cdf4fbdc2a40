import { Clock, Effect, Layer, Option, Redacted } from "effect"
import type { WeakSecret } from "../../domain/secretStrength.ts"
import { type Key, KeyPurpose, KeyStore, KeyStoreUnavailable } from "../../ports/KeyStore.ts"
import { deriveSecret } from "../../ports/keys/derivedKeys.ts"
import { randomSecret } from "../../ports/keys/freshKeys.ts"
import type { PairMaterial, SecretMaterial } from "../../ports/keys/keyMaterial.ts"
import {
  InvalidKeyStoreOptions,
  type KeyStoreOptions,
  rotationRetireAfter,
  validateKeyOptions
} from "../../ports/keys/keyOptions.ts"
import { generatePair } from "../../ports/keys/keyPairs.ts"
import { type PairSpec, type SecretSpec, secretSpecsOf, type Spec, specOf } from "../../ports/keys/keySpec.ts"
import { aadOf, jsonObject, keyColumns, type KeyRow, keyRowOf } from "./keyRows.ts"
import { kekOf, seal, unseal } from "./keySealing.ts"
import { type Connection, type Row, SqliteDatabase, type SqliteFailure } from "./SqliteDatabase.ts"

export { InvalidKeyStoreOptions, type SessionKeyOptions } from "../../ports/keys/keyOptions.ts"

/**
 * The options every KeyStore takes. Here the first secret also seals the keys the file stores, and the
 * previous ones still open what they sealed (see `make`).
 */
export type Options = KeyStoreOptions

const verifying = "(retires_at IS NULL OR retires_at > :now)"

const statements = {
  purposeKeys: `SELECT ${keyColumns} FROM keys WHERE purpose = :purpose`,
  currentKey: `SELECT ${keyColumns} FROM keys WHERE purpose = :purpose AND retires_at IS NULL`,
  verifyingKey: `SELECT ${keyColumns} FROM keys WHERE purpose = :purpose AND kid = :kid AND ${verifying}`,
  verifyingKeys: `SELECT ${keyColumns} FROM keys WHERE purpose = :purpose AND ${verifying}
    ORDER BY retires_at IS NOT NULL, created_at DESC, retires_at DESC`,
  verifyingPairs: `SELECT ${keyColumns} FROM keys WHERE kind = 'KeyPair' AND ${verifying}
    ORDER BY purpose, retires_at IS NOT NULL, created_at DESC, retires_at DESC`,
  retireCurrent: "UPDATE keys SET retires_at = :retires_at WHERE purpose = :purpose AND retires_at IS NULL",
  insertKey: `INSERT INTO keys (${keyColumns})
    VALUES (:purpose, :kid, :kind, :alg, :enc, :created_at, :retires_at, :kek_id, :wrapped, :public_jwk)`,
  sealedElsewhere: `SELECT ${keyColumns} FROM keys WHERE kek_id IS NOT NULL AND kek_id <> :kek_id`,
  reseal: "UPDATE keys SET kek_id = :kek_id, wrapped = :wrapped WHERE purpose = :purpose AND kid = :kid",
  // Derived keys stay as tombstones once retired: were the row gone, the next start would take the secret
  // for a new one and make its key current again, undoing the rotation that retired it.
  deleteRetired: "DELETE FROM keys WHERE wrapped IS NOT NULL AND retires_at IS NOT NULL AND retires_at <= :now"
} as const

/** A key about to be written: derived from a secret, drawn at random, or a generated pair. */
type Fresh =
  | { readonly _tag: "Derived"; readonly spec: SecretSpec; readonly material: SecretMaterial }
  | { readonly _tag: "Random"; readonly spec: SecretSpec; readonly material: SecretMaterial }
  | { readonly _tag: "Pair"; readonly spec: PairSpec; readonly material: PairMaterial }

type Material =
  | { readonly _tag: "SecretKey"; readonly secret: Redacted.Redacted<Uint8Array> }
  | { readonly _tag: "KeyPair"; readonly privateJwk: Redacted.Redacted<Readonly<Record<string, unknown>>> }

type Reconciled =
  | { readonly _tag: "NeedsPair"; readonly spec: PairSpec }
  | { readonly _tag: "Done"; readonly unreadable: ReadonlyArray<KeyPurpose> }

const fits = (row: KeyRow, spec: Spec) => row.kind === spec._tag && row.alg === spec.alg && row.enc === spec.enc

const unavailable = (operation: string) => (failure: SqliteFailure) =>
  new KeyStoreUnavailable({ message: `the SQLite key store could not ${operation}: ${failure.detail}`, cause: failure })

/**
 * The embedded KeyStore: keys in the `keys` table of the file `SqliteDatabase` opened, so rotations and key
 * pairs survive restarts and every process on the file shares them.
 *
 * - Keys derived from a configured secret are derived as every store derives them (ports/keys) and never
 *   stored: their row records only when they became current and when they retire.
 * - Random keys (rotations) and key pairs are stored sealed with AES-256-GCM under a key-encryption key
 *   derived from the first secret; any configured secret opens what it sealed, and opening the store
 *   reseals everything under the first one, so a previous secret can later be dropped without losing keys.
 * - The first secret's derived key becomes current the first time the store sees that secret (first start,
 *   changed AUTH_SECRET), as a rotation would; after that the stored current key stays current across
 *   restarts. A current key that cannot be used (its secret removed, the session algorithm changed) is
 *   rotated out on start. A previous secret's key seen for the first time retires `retireAfterSeconds`
 *   after that start, and the retirement is stored, so restarts do not extend it.
 */
export const make = (options: Options) =>
  Effect.gen(function*() {
    const { current, previous, retireAfterSeconds, session } = yield* validateKeyOptions(options)
    const db = yield* SqliteDatabase
    const sealingKek = kekOf(current)
    const keks = new Map([current, ...previous].map(kekOf).map((kek) => [kek.id, kek]))
    const derived = new Map<string, { readonly spec: SecretSpec; readonly bytes: Uint8Array }>()
    for (const purpose of KeyPurpose.literals) {
      for (const spec of secretSpecsOf(purpose)) {
        for (const secret of [current, ...previous]) {
          const { bytes, kid } = deriveSecret(secret, purpose, spec)
          derived.set(`${purpose} ${kid}`, { spec, bytes })
        }
      }
    }
    // A kid's material never changes, so what was once opened is kept; rows are still read on every call,
    // because another process may rotate.
    const opened = new Map<string, Material>()

    const openMaterial = (row: KeyRow): Material | undefined => {
      const id = `${row.purpose} ${row.kid}`
      if (row.sealed === null) {
        const found = derived.get(id)
        return found !== undefined && found.spec.alg === row.alg && found.spec.enc === row.enc
          ? { _tag: "SecretKey", secret: Redacted.make(found.bytes) }
          : undefined
      }
      const kek = keks.get(row.sealed.kekId)
      const plaintext = kek === undefined ? undefined : unseal(kek, aadOf(row), row.sealed.wrapped)
      if (plaintext === undefined) return undefined
      return row.kind === "SecretKey"
        ? { _tag: "SecretKey", secret: Redacted.make(plaintext) }
        : { _tag: "KeyPair", privateJwk: Redacted.make(jsonObject(new TextDecoder().decode(plaintext), "wrapped")) }
    }

    /** The key a row names, or undefined when no configured secret can produce or open its material. */
    const keyOf = (row: KeyRow): Key | undefined => {
      const id = `${row.purpose} ${row.kid}`
      const material = opened.get(id) ?? openMaterial(row)
      if (material === undefined) return undefined
      opened.set(id, material)
      const common = {
        kid: row.kid,
        purpose: row.purpose,
        enc: row.enc,
        createdAt: new Date(row.createdAt),
        retiresAt: row.retiresAt === null ? null : new Date(row.retiresAt)
      }
      if (row.kind === "SecretKey" && material._tag === "SecretKey") {
        return { ...common, _tag: "SecretKey", alg: row.alg, secret: material.secret }
      }
      if (row.kind === "KeyPair" && material._tag === "KeyPair") {
        return { ...common, _tag: "KeyPair", alg: row.alg, privateJwk: material.privateJwk, publicJwk: row.publicJwk }
      }
      return undefined
    }

    const plaintextOf = (material: Material): Uint8Array =>
      material._tag === "SecretKey"
        ? Redacted.value(material.secret)
        : new TextEncoder().encode(JSON.stringify(Redacted.value(material.privateJwk)))

    const insert = (sql: Connection, purpose: KeyPurpose, fresh: Fresh, createdAt: number, retiresAt: number | null) => {
      const { kid } = fresh.material
      const material: Material = fresh._tag === "Pair"
        ? { _tag: "KeyPair", privateJwk: Redacted.make(fresh.material.privateJwk) }
        : { _tag: "SecretKey", secret: Redacted.make(fresh.material.bytes) }
      const row = { purpose, kid, kind: fresh.spec._tag, alg: fresh.spec.alg, enc: fresh.spec.enc }
      const wrapped = fresh._tag === "Derived" ? null : seal(sealingKek, aadOf(row), plaintextOf(material))
      sql.run(statements.insertKey, {
        ...row,
        created_at: createdAt,
        retires_at: retiresAt,
        kek_id: wrapped === null ? null : sealingKek.id,
        wrapped,
        public_jwk: fresh._tag === "Pair" ? JSON.stringify(fresh.material.publicJwk) : null
      })
      opened.set(`${purpose} ${kid}`, material)
    }

    // Synchronous, inside one IMMEDIATE transaction: processes starting together on one file agree. It
    // decides for every purpose before writing anything, so asking for a key pair (WebCrypto generates
    // asynchronously, outside the transaction) leaves the file untouched.
    const reconcile = (sql: Connection, now: number, pair: PairMaterial | undefined): Reconciled => {
      const retiresAt = now + retireAfterSeconds * 1000
      const plans: Array<{ purpose: KeyPurpose; fresh: Fresh | undefined; older: Array<Fresh> }> = []
      const unreadable: Array<KeyPurpose> = []
      for (const purpose of KeyPurpose.literals) {
        const rows = sql.all(statements.purposeKeys, { purpose }).map(keyRowOf)
        const known = (kid: string) => rows.some((row) => row.kid === kid)
        const spec = specOf(purpose, session)
        const currentRow = rows.find((row) => row.retiresAt === null)
        const readable = currentRow !== undefined && keyOf(currentRow) !== undefined
        if (currentRow !== undefined && !readable) unreadable.push(purpose)
        const usable = readable && fits(currentRow, spec)
        let fresh: Fresh | undefined
        if (spec._tag === "SecretKey") {
          const first = deriveSecret(current, purpose, spec)
          if (!known(first.kid)) fresh = { _tag: "Derived", spec, material: first }
          else if (!usable) fresh = { _tag: "Random", spec, material: randomSecret(spec) }
        } else if (!usable) {
          if (pair === undefined) return { _tag: "NeedsPair", spec }
          fresh = { _tag: "Pair", spec, material: pair }
        }
        const older: Array<Fresh> = spec._tag === "SecretKey"
          ? previous.map((secret) => ({ _tag: "Derived" as const, spec, material: deriveSecret(secret, purpose, spec) }))
            .filter((key) => !known(key.material.kid))
          : []
        plans.push({ purpose, fresh, older })
      }
      for (const { fresh, older, purpose } of plans) {
        if (fresh !== undefined) {
          sql.run(statements.retireCurrent, { purpose, retires_at: retiresAt })
          insert(sql, purpose, fresh, now, null)
        }
        for (const key of older) insert(sql, purpose, key, now, retiresAt)
      }
      for (const row of sql.all(statements.sealedElsewhere, { kek_id: sealingKek.id }).map(keyRowOf)) {
        const material = opened.get(`${row.purpose} ${row.kid}`) ?? openMaterial(row)
        if (material === undefined) continue
        const wrapped = seal(sealingKek, aadOf(row), plaintextOf(material))
        sql.run(statements.reseal, { purpose: row.purpose, kid: row.kid, kek_id: sealingKek.id, wrapped })
      }
      sql.run(statements.deleteRetired, { now })
      return { _tag: "Done", unreadable }
    }

    const start = (pair: PairMaterial | undefined) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => db.transaction((sql) => reconcile(sql, now, pair))).pipe(
        Effect.mapError(unavailable("open its keys"))
      )
    const first = yield* start(undefined)
    // A failure to generate is the platform lacking an algorithm, not something a caller can handle.
    const started = first._tag === "Done" ? first : yield* start(yield* Effect.orDie(generatePair(first.spec)))
    if (started._tag === "NeedsPair") return yield* Effect.die(new Error("a key pair was asked for twice"))
    for (const purpose of started.unreadable) {
      yield* Effect.logWarning(
        `SqliteKeyStore: the current ${purpose} key cannot be opened with any configured secret; a new key replaced it`
      )
    }

    const readKeys = <A>(operation: string, work: (sql: Connection, now: number) => A) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => db.query((sql) => work(sql, now))).pipe(
        Effect.mapError(unavailable(operation))
      )
    const keysOf = (rows: Array<Row>) => rows.map(keyRowOf).map((row) => ({ row, key: keyOf(row) }))
    const cannotOpenCurrent = (purpose: KeyPurpose) =>
      new KeyStoreUnavailable({ message: `the current ${purpose} key cannot be opened with any configured secret` })

    const verificationKeys = (purpose: KeyPurpose) =>
      readKeys("read keys", (sql, now) => keysOf(sql.all(statements.verifyingKeys, { purpose, now }))).pipe(
        Effect.flatMap((keys) =>
          keys[0] === undefined || keys[0].row.retiresAt !== null || keys[0].key === undefined
            ? Effect.fail(cannotOpenCurrent(purpose))
            : Effect.succeed(keys.flatMap(({ key }) => (key === undefined ? [] : [key])))
        )
      )

    return KeyStore.of({
      current: (purpose) =>
        readKeys("read the current key", (sql) => keysOf(sql.all(statements.currentKey, { purpose }))).pipe(
          Effect.flatMap(([found]) =>
            found?.key === undefined ? Effect.fail(cannotOpenCurrent(purpose)) : Effect.succeed(found.key)
          )
        ),
      find: (purpose, kid) =>
        readKeys("find a key", (sql, now) =>
          Option.fromNullishOr(keysOf(sql.all(statements.verifyingKey, { purpose, kid, now }))[0]?.key)),
      verificationKeys,
      rotate: (purpose, rotateOptions) =>
        Effect.gen(function*() {
          const seconds = yield* rotationRetireAfter(rotateOptions, retireAfterSeconds)
          const spec = specOf(purpose, session)
          const fresh: Fresh = spec._tag === "KeyPair"
            ? { _tag: "Pair", spec, material: yield* generatePair(spec) }
            : { _tag: "Random", spec, material: randomSecret(spec) }
          const now = yield* Clock.currentTimeMillis
          // Retire and insert in one IMMEDIATE transaction: concurrent rotations, in any process, still leave
          // exactly one current key (the schema's partial unique index would refuse a second one anyway).
          return yield* db.transaction((sql) => {
            sql.run(statements.retireCurrent, { purpose, retires_at: now + seconds * 1000 })
            insert(sql, purpose, fresh, now, null)
            sql.run(statements.deleteRetired, { now })
            return keysOf(sql.all(statements.currentKey, { purpose }))[0]?.key
          }).pipe(
            Effect.mapError(unavailable("rotate a key")),
            Effect.flatMap((key) => (key === undefined ? Effect.fail(cannotOpenCurrent(purpose)) : Effect.succeed(key)))
          )
        }),
      jwks: readKeys("read the key pairs", (sql, now) => ({
        keys: keysOf(sql.all(statements.verifyingPairs, { now })).flatMap(({ key }) =>
          key?._tag === "KeyPair" ? [key.publicJwk] : []
        )
      }))
    })
  })

export const layer = (
  options: Options
): Layer.Layer<KeyStore, InvalidKeyStoreOptions | WeakSecret | KeyStoreUnavailable, SqliteDatabase> =>
  Layer.effect(KeyStore, make(options))
