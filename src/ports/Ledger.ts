import { Context, type Effect, type Option, Schema } from "effect"

/** One entry of the ledger: a string that lives until `expiresAt`, and is gone (absent) from then on. */
export interface LedgerEntry {
  readonly value: string
  readonly expiresAt: Date
}

/** A counter after `increment`: its count, and when the window it counts ends. */
export interface LedgerCount {
  readonly count: number
  readonly expiresAt: Date
}

/** The ledger could not answer (connection lost, timeout, outage). Retrying later may work. */
export class LedgerUnavailable extends Schema.TaggedError<LedgerUnavailable>()("LedgerUnavailable", {
  message: Schema.String,
  cause: Schema.optionalKey(Schema.Defect())
}) {}

/**
 * Reads a ledger layer can answer without waiting (memory, an embedded database): the capability the
 * synchronous fast path of `GET /session` needs. A layer that has it says so by providing it; one that does
 * not (a network database without a cache) leaves it out, and every reader takes the Effect path.
 */
export interface SyncLedgerReads {
  /**
   * `get`, at `now` (epoch milliseconds), answered in the calling stack; throws only on a broken store.
   * Undefined when it cannot answer in the stack right now (a cache that is not fresh, or does not hold every
   * key): the reader takes the Effect path, which answers from the database.
   */
  readonly get: (keys: ReadonlyArray<string>, now: number) => ReadonlyArray<Option.Option<LedgerEntry>> | undefined
}

/**
 * Short-lived facts under string keys, with the few atomic primitives that rules built on them need:
 * revoked session ids and user-wide revocations, refresh claims, counters. The rules themselves (what a
 * revocation covers, how long a claim lasts, what a counter allows) are the domain's; a ledger only keeps
 * entries and answers these primitives atomically, for every node that shares it.
 *
 * Why not effect/persistence's KeyValueStore: it has no expiry, and its `modify` is a read then a write, so
 * two nodes could both take one refresh claim or lose a count. Its RateLimiterStore needs exactly
 * `increment` (a fixed window is a counter whose entry expires with the window).
 *
 * Contract (each sentence has a conformance test in test/conformance/Ledger.ts):
 * - An entry whose `expiresAt` is at or before now (the store's Clock) is absent to every primitive.
 * - `get` answers the live entries of the keys, in their order, in one call.
 * - `set` writes the entry whatever was there.
 * - `compareAndSet` writes only when the live value equals `expected` (None: absent or expired), and says
 *   whether it wrote; of concurrent calls from the same `expected`, exactly one writes.
 * - `increment` adds to a live counter and keeps its expiry, or starts a counter at `by` that expires at
 *   `expiresAt` when there is none; concurrent increments never lose a count.
 * - `deleteIf` deletes only when the live value equals `expected`, and says whether it did.
 * - `sweep` deletes at most `limit` expired entries and says how many; it never deletes a live one. A store
 *   that drops expired entries by itself (Redis: each key carries its expiry) has none to delete and
 *   answers 0.
 * - Infrastructure failure is `LedgerUnavailable`, never a defect.
 */
export class Ledger extends Context.Service<Ledger, {
  readonly get: (keys: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<Option.Option<LedgerEntry>>, LedgerUnavailable>
  readonly set: (key: string, entry: LedgerEntry) => Effect.Effect<void, LedgerUnavailable>
  readonly compareAndSet: (
    key: string,
    expected: Option.Option<string>,
    next: LedgerEntry
  ) => Effect.Effect<boolean, LedgerUnavailable>
  readonly increment: (key: string, by: number, expiresAt: Date) => Effect.Effect<LedgerCount, LedgerUnavailable>
  readonly deleteIf: (key: string, expected: string) => Effect.Effect<boolean, LedgerUnavailable>
  readonly sweep: (limit: number) => Effect.Effect<number, LedgerUnavailable>
  /** Present when the layer answers reads synchronously (see SyncLedgerReads). */
  readonly sync: Option.Option<SyncLedgerReads>
}>()("authfx/Ledger") {}
