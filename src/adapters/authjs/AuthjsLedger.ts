import { Clock, Context, Duration, Effect, Layer, Option, Schema } from "effect"
import { makeStripedLocks } from "./stripedLocks.ts"

/**
 * The ledger: what authfx keeps that an Auth.js adapter has no place for. Auth.js's `Adapter` can look a
 * user up by id, address or account, but it cannot list a user's accounts or sessions, has no method that
 * updates an account's tokens (and most adapters none that reads them: pg and Kysely lack `getAccount`),
 * and no notion of a revoked JWT or a refresh claim. `AuthjsUsers` keeps those facts here, as small
 * JSON records under string keys, and keeps everything else in the adapter's own tables.
 *
 * Two implementations:
 * - `memory`: one process, gone at restart. Every `modify` is one synchronous step, hence atomic. For
 *   tests, development and single-node deployments that accept losing revocations and refresh claims on
 *   restart (and rebuilding account and session indexes, see AuthjsUsers).
 * - `fromStorage(storage)`: any key-value store with `getItem`/`setItem`/`removeItem` — an `unstorage`
 *   `Storage` fits as it is (Redis, a file system, db0/SQL, Cloudflare KV, …), durable and shared by every
 *   node. Such stores have no compare-and-set, so `modify` is serialised per key within this process only:
 *   two nodes modifying one record at the same moment can lose one update (see the guarantees table).
 */
export class LedgerUnavailable extends Schema.TaggedError<LedgerUnavailable>()("LedgerUnavailable", {
  message: Schema.String,
  cause: Schema.optionalKey(Schema.Defect())
}) {}

/** What `modify`'s function decides: its result, and the record's next value (absent: leave it as it is). */
export interface Change<A> {
  readonly result: A
  /** `Option.none()` deletes the record. */
  readonly next?: Option.Option<unknown>
  /** A hint that the record is worthless after this many seconds, for stores that expire keys. */
  readonly ttlSeconds?: number
}

export interface Ledger {
  /**
   * Whether `modify` is atomic for everyone using this ledger (true for memory: one process is everyone), or
   * only among the calls of this process (a key-value store without compare-and-set, shared by nodes).
   */
  readonly atomic: boolean
  readonly get: (key: string) => Effect.Effect<Option.Option<unknown>, LedgerUnavailable>
  /** Reads the record, applies `f` and writes what it decides, with no other `modify` of the key in between. */
  readonly modify: <A>(key: string, f: (current: Option.Option<unknown>) => Change<A>) => Effect.Effect<A, LedgerUnavailable>
}

export class AuthjsLedger extends Context.Service<AuthjsLedger, Ledger>()("authfx/AuthjsLedger") {}

/** Expired records are swept after this many writes. */
const sweepEvery = 256

export const makeMemory = Effect.sync((): Ledger => {
  const records = new Map<string, { readonly value: unknown; readonly expiresAt: number | null }>()
  let writes = 0
  const live = (key: string, now: number): Option.Option<unknown> => {
    const record = records.get(key)
    return record === undefined || (record.expiresAt !== null && record.expiresAt <= now)
      ? Option.none()
      : Option.some(record.value)
  }
  return {
    atomic: true,
    get: (key) => Effect.map(Clock.currentTimeMillis, (now) => live(key, now)),
    modify: (key, f) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const change = f(live(key, now))
        if (change.next === undefined) return change.result
        if (Option.isNone(change.next)) records.delete(key)
        else {
          const expiresAt = change.ttlSeconds === undefined ? null : now + change.ttlSeconds * 1000
          records.set(key, { value: change.next.value, expiresAt })
        }
        if (++writes % sweepEvery === 0) {
          for (const [k, record] of records) if (record.expiresAt !== null && record.expiresAt <= now) records.delete(k)
        }
        return change.result
      })
  }
})

/** The in-memory ledger (one process; lost at restart). */
export const memory: Layer.Layer<AuthjsLedger> = Layer.effect(AuthjsLedger, makeMemory)

/**
 * The part of a key-value store the ledger uses. `unstorage`'s `Storage` satisfies it; so does a thin
 * wrapper around any other client. Values are written as JSON text; a store that parses JSON on read (as
 * unstorage does) may hand back the parsed value instead.
 */
export interface LedgerStorage {
  readonly getItem: (key: string) => PromiseLike<unknown>
  readonly setItem: (key: string, value: string, options?: { readonly ttl?: number }) => PromiseLike<unknown>
  readonly removeItem: (key: string) => PromiseLike<unknown>
}

export interface StorageOptions {
  /** Put in front of every key, so the ledger can share a store with other data. Default "authfx:ledger:". */
  readonly prefix?: string
  /** A storage call with no answer after this long fails. Default 10 seconds. */
  readonly timeout?: Duration.Input
}

export const makeFromStorage = (storage: LedgerStorage, options: StorageOptions = {}): Ledger => {
  const prefix = options.prefix ?? "authfx:ledger:"
  const timeout = options.timeout ?? Duration.seconds(10)
  const locked = makeStripedLocks()
  const call = <A>(what: string, run: () => PromiseLike<A>) =>
    Effect.tryPromise({
      try: () => Promise.resolve().then(run),
      // The storage's own message may quote a key, which may hold a user id: only the class name travels.
      catch: (cause) =>
        new LedgerUnavailable({
          message: `the ledger's storage failed to ${what} (${cause instanceof Error ? cause.name : "non-error failure"})`
        })
    }).pipe(
      Effect.timeoutOrElse({
        duration: timeout,
        orElse: () => Effect.fail(new LedgerUnavailable({ message: `the ledger's storage did not ${what} in time` }))
      })
    )
  const read = (key: string) =>
    Effect.flatMap(call("read", () => storage.getItem(prefix + key)), (raw) => {
      if (raw === null || raw === undefined) return Effect.succeedNone
      if (typeof raw !== "string") return Effect.succeed(Option.some<unknown>(raw))
      return Effect.try({
        try: () => Option.some<unknown>(JSON.parse(raw)),
        catch: () => new LedgerUnavailable({ message: "the ledger's storage returned a record that is not JSON" })
      })
    })
  return {
    atomic: false,
    get: read,
    modify: (key, f) =>
      locked(
        key,
        Effect.gen(function*() {
          const change = f(yield* read(key))
          if (change.next !== undefined) {
            const next = change.next
            if (Option.isNone(next)) yield* call("delete", () => storage.removeItem(prefix + key))
            else {
              const text = JSON.stringify(next.value)
              const ttl = change.ttlSeconds === undefined ? {} : { ttl: Math.max(1, Math.ceil(change.ttlSeconds)) }
              yield* call("write", () => storage.setItem(prefix + key, text, ttl))
            }
          }
          return change.result
        })
      )
  }
}

/** The ledger in a key-value store shared by every node (see the module comment for its atomicity). */
export const fromStorage = (storage: LedgerStorage, options?: StorageOptions): Layer.Layer<AuthjsLedger> =>
  Layer.succeed(AuthjsLedger, makeFromStorage(storage, options))
