import { Clock, Duration, Effect, Layer, Option, Redacted, Ref, Schema, Semaphore } from "effect"
import { createHash } from "node:crypto"
import type postgres from "postgres"
import type { WeakSecret } from "../../domain/secretStrength.ts"
import { type Key, KeyPurpose, KeyStore, KeyStoreUnavailable } from "../../ports/KeyStore.ts"
import { freshKey, startRotation } from "../keyring/freshKeys.ts"
import {
  InvalidKeyStoreOptions,
  type KeyStoreOptions,
  unsealOnlyWarning,
  validateKeyOptions
} from "../keyring/keyOptions.ts"
import { type Spec, specOf } from "../keyring/keySpec.ts"
import { kekFromSecret, sealStoredKey, unsealStoredKey } from "../keyring/storedKeySealing.ts"
import { jwksOfPurposes, verifiesAt } from "../keyring/verifyingKeys.ts"
import { KeyRow, recordOf } from "./authfxKeysRow.ts"
import { type Client, type Pending, PostgresClient } from "./PostgresClient.ts"
import { type SqlError, unavailableMessage } from "./sqlErrors.ts"

export { InvalidKeyStoreOptions, type SessionKeyOptions } from "../keyring/keyOptions.ts"

export interface Options extends KeyStoreOptions {
  /**
   * The deployment secrets. The first encrypts the stored keys; every one of them decrypts, so AUTH_SECRET
   * can change without losing a key: list the new secret first and keep the old one until every node runs
   * with both (each node re-encrypts the keys under the first secret when it starts). The first must be
   * strong (WeakSecret otherwise); a weak one listed after it is accepted, with a warning, so that a
   * deployment can leave it without losing its keys.
   */
  readonly secrets: ReadonlyArray<Redacted.Redacted<string>>
  /**
   * How long a node answers from its copy of the keys before reading them again. Default 30 seconds; a key
   * another node rotated in is also read as soon as a token names its kid.
   */
  readonly cacheTtl?: Duration.Input
}

/** The current key's `alg` and `enc` columns. */
type CurrentRow = Readonly<Record<string, unknown>>

type Keyring = Readonly<Record<KeyPurpose, ReadonlyArray<Key>>>

/** A decrypted row, kept so that a reload only decrypts what changed. */
interface Opened {
  readonly material: Uint8Array
  readonly key: Key
  /** Which configured secret's KEK opened it: 0 is the first, which seals. */
  readonly by: number
}

interface Cache {
  readonly ring: Keyring
  readonly opened: ReadonlyMap<string, Opened>
  /** When the table was last read, or tried. */
  readonly checkedAt: number
  /** Read the table again at or after this time. */
  readonly refreshAt: number
}

/** A token naming an unknown kid makes a node read the keys again, but not more often than this. */
const missReloadMillis = 1_000

const validate = (options: Options) =>
  Effect.gen(function*() {
    // Keys here are random: a secret only seals them, so a weak previous one can open what it sealed.
    const valid = yield* validateKeyOptions(options, { weakPreviousUnsealOnly: true })
    const ttl = Duration.fromInput(options.cacheTtl ?? "30 seconds")
    if (Option.isNone(ttl) || Duration.toMillis(ttl.value) < 0) {
      return yield* new InvalidKeyStoreOptions({ message: "cacheTtl must be a duration" })
    }
    return { ...valid, ttl: Duration.toMillis(ttl.value) }
  })

const unavailable = (error: SqlError) => new KeyStoreUnavailable({ message: unavailableMessage(error), cause: error.cause })

/** Rotations of one purpose queue up on this lock, so each retires the key the one before it made current. */
const lockKey = (purpose: KeyPurpose) =>
  createHash("sha256").update(`authfx keys ${purpose}`).digest().readBigInt64BE(0).toString()

const decodeRow = Schema.decodeUnknownEffect(KeyRow)

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((byte, i) => byte === b[i])

/**
 * The KeyStore on PostgreSQL, shared by a fleet: keys are random, stored in `authfx_keys` sealed as every
 * store that keeps keys seals them (adapters/keyring/storedKeySealing.ts), and cached by each node. On first
 * start each purpose gets its key; a node that finds one takes it, so every node signs with the same keys.
 */
export const make = (client: Client, options: Options) =>
  Effect.gen(function*() {
    const { current, previous, retireAfterSeconds, session, ttl, unsealOnly } = yield* validate(options)
    for (const { name } of unsealOnly) yield* Effect.logWarning(unsealOnlyWarning("authfx KeyStore", name))
    // The first secret seals; every one opens, found by trial (no row names its KEK).
    const keks = [current, ...previous, ...unsealOnly.map(({ secret }) => secret)].map(kekFromSecret)
    const sealer = keks[0]!
    const sealedMaterial = (key: Key) => Effect.sync(() => sealStoredKey(sealer, key))
    const query = <A>(q: (db: postgres.Sql) => Pending<A>) => Effect.mapError(client.run(q), unavailable)

    const insert = (tx: postgres.TransactionSql, key: Key, material: Uint8Array) =>
      tx`
        INSERT INTO authfx_keys (kid, purpose, alg, enc, material, created_at, retires_at)
        VALUES (${key.kid}, ${key.purpose}, ${key.alg}, ${key.enc}, ${material}, ${key.createdAt}, NULL)`

    /** Makes `key` the purpose's current key; the current one retires at `retireAt`. */
    const install = (key: Key, retireAt: Date, keep: (current: CurrentRow | undefined) => boolean) =>
      Effect.flatMap(sealedMaterial(key), (material) =>
        query((db) =>
          db.begin(async (tx) => {
            await tx`SELECT pg_advisory_xact_lock(${lockKey(key.purpose)}::bigint)`
            const [current] = await tx`SELECT alg, enc FROM authfx_keys WHERE purpose = ${key.purpose} AND retires_at IS NULL`
            if (keep(current)) return false
            await tx`UPDATE authfx_keys SET retires_at = ${retireAt} WHERE purpose = ${key.purpose} AND retires_at IS NULL`
            // Keys past retirement are only dead weight.
            await tx`DELETE FROM authfx_keys WHERE purpose = ${key.purpose} AND retires_at <= ${key.createdAt}`
            await insert(tx, key, material)
            return true
          })
        ))

    const fits = (spec: Spec) => (current: CurrentRow | undefined) =>
      current !== undefined && current["alg"] === spec.alg && (current["enc"] ?? null) === spec.enc

    // First start makes the keys; a changed `session` option rotates the session key. Another node doing the
    // same at the same moment is fine: whoever takes the lock second finds the work done.
    const ensureCurrent = (purpose: KeyPurpose) =>
      Effect.gen(function*() {
        const spec = specOf(purpose, session)
        const [current] = yield* query((db) =>
          db`SELECT alg, enc FROM authfx_keys WHERE purpose = ${purpose} AND retires_at IS NULL`
        )
        if (fits(spec)(current)) return
        const now = yield* Clock.currentTimeMillis
        const key = yield* freshKey(purpose, spec, new Date(now))
        yield* install(key, new Date(now + retireAfterSeconds * 1000), fits(spec))
      })

    const readRing = (previous: ReadonlyMap<string, Opened>, now: number, rewrap: boolean) =>
      Effect.gen(function*() {
        // The SQL form of verifiesAt (keyring/verifyingKeys.ts), which `verificationKeys` applies again as
        // the cached keys age.
        const found = yield* query((db) =>
          db`
            SELECT kid, purpose, alg, enc, material, created_at, retires_at FROM authfx_keys
            WHERE retires_at IS NULL OR retires_at > ${new Date(now)}
            ORDER BY (retires_at IS NULL) DESC, created_at DESC, kid`
        )
        const openedRows = new Map<string, Opened>()
        const ring: Record<KeyPurpose, Array<Key>> = { session: [], csrf: [], verification: [], checks: [], tokens: [] }
        for (const raw of found) {
          const row = yield* Effect.mapError(decodeRow(raw), () =>
            new KeyStoreUnavailable({ message: "an authfx_keys row does not match what authfx writes" }))
          const kept = previous.get(row.kid)
          const opened = kept !== undefined && sameBytes(kept.material, row.material)
            ? Option.some({ key: { ...kept.key, retiresAt: row.retires_at }, by: kept.by })
            : Option.fromNullishOr(unsealStoredKey(keks, recordOf(row), row.material))
          if (Option.isNone(opened)) {
            if (row.retires_at === null) {
              return yield* new KeyStoreUnavailable({
                message: `the current ${row.purpose} key cannot be decrypted with any configured secret: ` +
                  "keep the secret it was stored under in `secrets` (the first secret encrypts, every one decrypts)"
              })
            }
            yield* Effect.logWarning(`authfx KeyStore: skipping a retiring ${row.purpose} key no configured secret decrypts`)
            continue
          }
          const { by, key } = opened.value
          let stored: Opened = { material: row.material, key, by }
          // At start only: nodes still running with the old secret first would otherwise undo it, back and
          // forth. Only if the row is still what was read: another node may have resealed it meanwhile.
          if (rewrap && by !== 0) {
            const material = yield* sealedMaterial(key)
            yield* query((db) =>
              db`
                UPDATE authfx_keys SET material = ${material}
                WHERE kid = ${row.kid} AND material = ${row.material}`
            )
            stored = { material, key, by: 0 }
          }
          openedRows.set(row.kid, stored)
          ring[row.purpose].push(key)
        }
        for (const purpose of KeyPurpose.literals) {
          if (ring[purpose][0]?.retiresAt !== null) {
            return yield* new KeyStoreUnavailable({ message: `authfx_keys holds no current ${purpose} key` })
          }
        }
        return { ring, opened: openedRows, checkedAt: now, refreshAt: now + ttl } satisfies Cache
      })

    yield* Effect.forEach(KeyPurpose.literals, ensureCurrent, { discard: true })
    const cache = yield* Ref.make(yield* readRing(new Map(), yield* Clock.currentTimeMillis, true))
    const reloading = yield* Semaphore.make(1)

    // One reload at a time, and each starts after whatever it waited for, so a rotation's reload can never
    // be overtaken by an older one and leave the cache behind the table. A failed one is not retried for a
    // second, so that requests during an outage do not queue up behind attempts.
    const reload = (when: (cached: Cache, now: number) => boolean) =>
      reloading.withPermits(1)(
        Effect.gen(function*() {
          const [cached, now] = [yield* Ref.get(cache), yield* Clock.currentTimeMillis]
          if (!when(cached, now)) return cached.ring
          const next = yield* readRing(cached.opened, now, false).pipe(
            Effect.tapError(() =>
              Ref.update(cache, (c) => ({ ...c, checkedAt: now, refreshAt: now + Math.min(ttl, missReloadMillis) }))
            )
          )
          yield* Ref.set(cache, next)
          return next.ring
        })
      )

    // Keys change only by rotation, and retirement is judged here by the clock, so while the database is
    // unreachable the keys read before stay right: JWT sessions keep working through an outage.
    const keyring = Effect.gen(function*() {
      const [cached, now] = [yield* Ref.get(cache), yield* Clock.currentTimeMillis]
      if (now < cached.refreshAt) return cached.ring
      return yield* reload((c, at) => at >= c.refreshAt).pipe(
        Effect.catch((error) =>
          Effect.as(
            Effect.logWarning(`authfx KeyStore: using the keys read before; refreshing failed: ${error.message}`),
            cached.ring
          )
        )
      )
    })

    const verificationKeys = (purpose: KeyPurpose) =>
      Effect.gen(function*() {
        const [ring, now] = [yield* keyring, yield* Clock.currentTimeMillis]
        return ring[purpose].filter(verifiesAt(now))
      })

    const lookup = (purpose: KeyPurpose, kid: string) =>
      Effect.map(verificationKeys(purpose), (keys) => Option.fromNullishOr(keys.find((key) => key.kid === kid)))

    return KeyStore.of({
      // Its cache is refreshed from the network now and then: a read may wait.
      answersSynchronously: false,
      current: (purpose) =>
        Effect.flatMap(keyring, (ring) => {
          const [key] = ring[purpose]
          return key === undefined
            ? Effect.fail(new KeyStoreUnavailable({ message: `no current ${purpose} key` }))
            : Effect.succeed(key)
        }),
      // A kid we do not know may be a key another node has just rotated in.
      find: (purpose, kid) =>
        Effect.flatMap(lookup(purpose, kid), (found) =>
          Option.isSome(found) || kid.length === 0
            ? Effect.succeed(found)
            : reload((c, now) => now - c.checkedAt >= missReloadMillis).pipe(
              Effect.catch(() => Effect.void),
              Effect.andThen(lookup(purpose, kid))
            )),
      verificationKeys,
      rotate: (purpose, rotateOptions) =>
        Effect.gen(function*() {
          const { key, retiresAt } = yield* startRotation(purpose, specOf(purpose, session), rotateOptions, retireAfterSeconds)
          yield* install(key, retiresAt, () => false)
          yield* reload(() => true)
          return key
        }),
      jwks: jwksOfPurposes(verificationKeys)
    })
  })

/** Needs the database at start (to read or make the keys); fails with KeyStoreUnavailable if it is down. */
export const layer = (options: Options): Layer.Layer<KeyStore, InvalidKeyStoreOptions | WeakSecret | KeyStoreUnavailable, PostgresClient> =>
  Layer.effect(KeyStore, PostgresClient.use((client) => make(client, options)))
