import { Clock, Effect, Layer, Option } from "effect"
import type { WeakSecret } from "../../domain/secretStrength.ts"
import { type Key, KeyPurpose, KeyStore, KeyStoreUnavailable } from "../../ports/KeyStore.ts"
import { derivedKeyBytes, deriveSecret, legacyDerivedKid } from "../keyring/derivedKeys.ts"
import { randomKeyMaterial, randomKid } from "../keyring/freshKeys.ts"
import { keyPairOf, type PairMaterial, type SecretMaterial, secretKeyOf } from "../keyring/keyMaterial.ts"
import {
  InvalidKeyStoreOptions,
  type KeyStoreOptions,
  rotationRetireAfter,
  unsealOnlyWarning,
  validateKeyOptions
} from "../keyring/keyOptions.ts"
import { generatePair } from "../keyring/keyPairs.ts"
import { type PairSpec, type SecretSpec, type Spec, specOf } from "../keyring/keySpec.ts"
import {
  kekFromSecret,
  openDerivedMark,
  sealDerivedMark,
  sealStoredKey,
  unsealStoredKey
} from "../keyring/storedKeySealing.ts"
import { jwksOf } from "../keyring/verifyingKeys.ts"
import { heldColumns, keyColumns, type KeyRow, keyRowOf, recordOf } from "./keyRows.ts"
import { openPriorMark, priorKekOf, unsealPrior } from "./priorKeySealing.ts"
import { type Connection, type Row, SqliteDatabase, type SqliteFailure } from "./SqliteDatabase.ts"

export { InvalidKeyStoreOptions, type SessionKeyOptions } from "../keyring/keyOptions.ts"

/**
 * The options every KeyStore takes. Here the first secret also seals the keys the file stores, and the
 * previous ones still open what they sealed (see `make`).
 */
export type Options = KeyStoreOptions

/** The SQL form of verifiesAt (keyring/verifyingKeys.ts): the rows of keys that still verify at `:now`. */
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
    VALUES (:purpose, :kid, :kind, :alg, :enc, :created_at, :retires_at, :origin, :wrapped, :public_jwk, :sealing)`,
  legacyKeys: `SELECT ${keyColumns} FROM keys WHERE origin = 'legacy'`,
  claimLegacy: `UPDATE keys SET kid = :new_kid, origin = 'derived', wrapped = :wrapped, sealing = 'shared'
    WHERE purpose = :purpose AND kid = :kid AND origin = 'legacy'`,
  resealable: `SELECT ${keyColumns} FROM keys WHERE origin = 'sealed' OR sealing = 'sqlite'`,
  reseal: "UPDATE keys SET wrapped = :wrapped, sealing = 'shared' WHERE purpose = :purpose AND kid = :kid",
  // Derived keys stay as tombstones once retired: were the row gone, the next start would take the secret
  // for a new one and make its key current again, undoing the rotation that retired it.
  deleteRetired: "DELETE FROM keys WHERE origin <> 'derived' AND retires_at IS NOT NULL AND retires_at <= :now",
  // A first-schema row no configured secret derives can never verify or be current again, and its kid is an
  // HKDF of some secret: it goes as soon as it is not current.
  deleteUnclaimedLegacy: "DELETE FROM keys WHERE origin = 'legacy' AND retires_at IS NOT NULL"
} as const

/** A key about to be written: derived from a secret (`by`: its place in the deriving secrets), drawn at random, or a generated pair. */
type Fresh =
  | { readonly _tag: "Derived"; readonly spec: SecretSpec; readonly material: SecretMaterial; readonly by: number }
  | { readonly _tag: "Random"; readonly spec: SecretSpec; readonly material: SecretMaterial }
  | { readonly _tag: "Pair"; readonly spec: PairSpec; readonly material: PairMaterial }

/**
 * A row's key (its retirement as it was when opened), and which configured secret's KEK opened it (0: the
 * first, which seals; for a derived key, the secret that derives it).
 */
interface Opened {
  readonly key: Key
  readonly by: number
}

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
 * - Keys derived from a configured secret are derived as the memory store derives them
 *   (adapters/keyring/derivedKeys.ts) and never stored: their row records when they became current and when
 *   they retire, under a kid drawn at random when the row is written (every process on the file uses it),
 *   and holds a mark sealed under the secret's key-encryption key (KEK), so that a store with that secret,
 *   and nobody else, knows whose key the row is.
 * - Random keys (rotations) and key pairs are stored sealed as every store that keeps keys seals them
 *   (adapters/keyring/storedKeySealing.ts) under the first secret's KEK; any configured secret opens what it
 *   sealed (found by trial: no row names its KEK), and opening the store reseals everything under the first
 *   one, so a previous secret can later be dropped without losing keys. Rows sealed as this store sealed
 *   before that scheme (priorKeySealing.ts) are opened that way and resealed in the shared one too.
 * - The first secret's derived key becomes current the first time the store sees that secret (first start,
 *   changed AUTH_SECRET), as a rotation would; after that the stored current key stays current across
 *   restarts. A current key that cannot be used (its secret removed, the session algorithm changed) is
 *   rotated out on start. A previous secret's key seen for the first time retires `retireAfterSeconds`
 *   after that start, and the retirement is stored, so restarts do not extend it.
 * - A weak previous secret (see keyOptions.ts) only opens keys sealed under it; it derives none.
 * - Rows of the first schema (a derived key named by an HKDF kid of its secret) are rewritten under a
 *   random kid by the first store that has the secret; tokens that name the old kid still open, since the
 *   token codec tries the purpose's keys when a kid is unknown.
 */
export const make = (options: Options) =>
  Effect.gen(function*() {
    const { current, previous, retireAfterSeconds, session, unsealOnly } = yield* validateKeyOptions(options, {
      weakPreviousUnsealOnly: true
    })
    for (const { name } of unsealOnly) yield* Effect.logWarning(unsealOnlyWarning("SqliteKeyStore", name))
    const db = yield* SqliteDatabase
    // The secrets that derive keys come first, the first of them seals; the weak ones only open.
    const deriving = [current, ...previous]
    const secrets = [...deriving, ...unsealOnly.map(({ secret }) => secret)]
    const keks = secrets.map(kekFromSecret)
    const derivingKeks = keks.slice(0, deriving.length)
    const sealer = keks[0]!
    const priorKeks = secrets.map(priorKekOf)
    const derivingPriorKeks = priorKeks.slice(0, deriving.length)
    // A kid's material never changes, so what was once opened is kept; rows are still read on every call,
    // because another process may rotate.
    const opened = new Map<string, Opened>()

    const openHeld = (row: KeyRow): Opened | undefined => {
      const held = row.held
      if (held._tag === "Legacy") return undefined
      const { sealing, wrapped } = held
      if (held._tag === "Derived") {
        if (row.kind !== "SecretKey") return undefined
        const by = sealing === "shared"
          ? openDerivedMark(derivingKeks, row, wrapped)
          : openPriorMark(derivingPriorKeks, row, wrapped)
        if (by === undefined) return undefined
        const spec: SecretSpec = { _tag: "SecretKey", alg: row.alg, enc: row.enc }
        const material = { kid: row.kid, bytes: derivedKeyBytes(deriving[by]!, row.purpose, spec) }
        const { createdAt, retiresAt } = recordOf(row)
        return { key: secretKeyOf(row.purpose, spec, material, createdAt, retiresAt), by }
      }
      return sealing === "shared" ? unsealStoredKey(keks, recordOf(row), wrapped) : unsealPrior(priorKeks, row, wrapped)
    }

    /** What the row holds, or undefined when no configured secret can produce or open its key. */
    const openRow = (row: KeyRow): Opened | undefined => {
      const id = `${row.purpose} ${row.kid}`
      const found = opened.get(id) ?? openHeld(row)
      if (found !== undefined) opened.set(id, found)
      return found
    }

    /** The key a row names, or undefined when no configured secret can produce or open it. */
    const keyOf = (row: KeyRow): Key | undefined => {
      const key = openRow(row)?.key
      return key === undefined ? undefined : { ...key, retiresAt: recordOf(row).retiresAt }
    }

    const insert = (sql: Connection, purpose: KeyPurpose, fresh: Fresh, createdAt: number, retiresAt: number | null) => {
      const [created, retires] = [new Date(createdAt), retiresAt === null ? null : new Date(retiresAt)]
      const key: Key = fresh._tag === "Pair"
        ? keyPairOf(purpose, fresh.spec, fresh.material, created, retires)
        : secretKeyOf(purpose, fresh.spec, fresh.material, created, retires)
      const by = fresh._tag === "Derived" ? fresh.by : 0
      const wrapped = fresh._tag === "Derived" ? sealDerivedMark(derivingKeks[by]!, key) : sealStoredKey(sealer, key)
      sql.run(statements.insertKey, {
        purpose,
        kid: key.kid,
        kind: key._tag,
        alg: key.alg,
        enc: key.enc,
        created_at: createdAt,
        retires_at: retiresAt,
        ...heldColumns({ _tag: fresh._tag === "Derived" ? "Derived" : "Sealed", wrapped }),
        public_jwk: key._tag === "KeyPair" ? JSON.stringify(key.publicJwk) : null
      })
      opened.set(`${purpose} ${key.kid}`, { key, by })
    }

    /** First-schema rows of a secret we have: the same key, now under a random kid and marked as its secret's. */
    const claimLegacy = (sql: Connection) => {
      for (const row of sql.all(statements.legacyKeys).map(keyRowOf)) {
        if (row.kind !== "SecretKey") continue
        const spec: SecretSpec = { _tag: "SecretKey", alg: row.alg, enc: row.enc }
        const by = deriving.findIndex((secret) => legacyDerivedKid(secret, row.purpose, spec) === row.kid)
        if (by < 0) continue
        const kid = randomKid()
        const wrapped = sealDerivedMark(derivingKeks[by]!, { ...row, kid })
        sql.run(statements.claimLegacy, { purpose: row.purpose, kid: row.kid, new_kid: kid, wrapped })
      }
    }

    /**
     * Reseals what the first secret and the shared scheme did not seal: a stored key opened under a previous
     * secret or as this store sealed before, and a derived key's mark of before (under its own secret's KEK).
     */
    const reseal = (sql: Connection) => {
      for (const row of sql.all(statements.resealable).map(keyRowOf)) {
        const { held } = row
        const found = openRow(row)
        if (found === undefined || held._tag === "Legacy") continue
        const derived = held._tag === "Derived"
        if (held.sealing === "shared" && (derived || found.by === 0)) continue
        const wrapped = derived ? sealDerivedMark(derivingKeks[found.by]!, row) : sealStoredKey(sealer, found.key)
        sql.run(statements.reseal, { purpose: row.purpose, kid: row.kid, wrapped })
        if (!derived) opened.set(`${row.purpose} ${row.kid}`, { ...found, by: 0 })
      }
    }

    // Synchronous, inside one IMMEDIATE transaction: processes starting together on one file agree. Past
    // claiming first-schema rows (the same whatever follows), it decides for every purpose before writing
    // anything, so asking for a key pair (WebCrypto generates asynchronously, outside the transaction)
    // leaves the keys as they were.
    const reconcile = (sql: Connection, now: number, pair: PairMaterial | undefined): Reconciled => {
      claimLegacy(sql)
      const retiresAt = now + retireAfterSeconds * 1000
      const plans: Array<{ purpose: KeyPurpose; fresh: Fresh | undefined; older: Array<Fresh> }> = []
      const unreadable: Array<KeyPurpose> = []
      for (const purpose of KeyPurpose.literals) {
        const rows = sql.all(statements.purposeKeys, { purpose }).map(keyRowOf)
        // Whether the secret at `by` has had its key of this kind here (current, retiring or a tombstone).
        const known = (by: number, spec: SecretSpec) =>
          rows.some((row) => row.held._tag === "Derived" && fits(row, spec) && openRow(row)?.by === by)
        const spec = specOf(purpose, session)
        const currentRow = rows.find((row) => row.retiresAt === null)
        const readable = currentRow !== undefined && keyOf(currentRow) !== undefined
        if (currentRow !== undefined && !readable) unreadable.push(purpose)
        const usable = readable && fits(currentRow, spec)
        let fresh: Fresh | undefined
        if (spec._tag === "SecretKey") {
          if (!known(0, spec)) fresh = { _tag: "Derived", spec, material: deriveSecret(current, purpose, spec), by: 0 }
          else if (!usable) fresh = { _tag: "Random", spec, material: randomKeyMaterial(spec) }
        } else if (!usable) {
          if (pair === undefined) return { _tag: "NeedsPair", spec }
          fresh = { _tag: "Pair", spec, material: pair }
        }
        const older: Array<Fresh> = spec._tag === "SecretKey"
          ? previous.flatMap((secret, index) =>
            known(index + 1, spec)
              ? []
              : [{ _tag: "Derived" as const, spec, material: deriveSecret(secret, purpose, spec), by: index + 1 }]
          )
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
      reseal(sql)
      sql.run(statements.deleteRetired, { now })
      sql.run(statements.deleteUnclaimedLegacy)
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
      // node:sqlite answers in the calling stack.
      answersSynchronously: true,
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
            : { _tag: "Random", spec, material: randomKeyMaterial(spec) }
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
      jwks: readKeys("read the key pairs", (sql, now) =>
        jwksOf(keysOf(sql.all(statements.verifyingPairs, { now })).flatMap(({ key }) => (key === undefined ? [] : [key]))))
    })
  })

export const layer = (
  options: Options
): Layer.Layer<KeyStore, InvalidKeyStoreOptions | WeakSecret | KeyStoreUnavailable, SqliteDatabase> =>
  Layer.effect(KeyStore, make(options))
