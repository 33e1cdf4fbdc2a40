import { Clock, Effect, Layer, Option } from "effect"
import type postgres from "postgres"
import { Ledger, type LedgerCount, type LedgerEntry, LedgerUnavailable } from "../../ports/Ledger.ts"
import { type Client, type Pending, PostgresClient } from "./PostgresClient.ts"
import { type SqlError, unavailableMessage } from "./sqlErrors.ts"

type Row = Readonly<Record<string, unknown>>

const unavailable = (operation: string) => (error: SqlError) =>
  new LedgerUnavailable({
    message: `the PostgreSQL ledger could not ${operation}: ${unavailableMessage(error)}`,
    cause: error.cause
  })

/** A row the ledger did not write (edited by hand?). Names the table only: a value may be a secret's id. */
const misfit = new LedgerUnavailable({
  message: "a stored authfx_ledger row does not have the shape the ledger writes"
})

const entryOf = (row: Row): Effect.Effect<LedgerEntry, LedgerUnavailable> => {
  const { value, expires_at: expiresAt } = row
  return typeof value === "string" && expiresAt instanceof Date
    ? Effect.succeed({ value, expiresAt })
    : Effect.fail(misfit)
}

const countOf = (row: Row | undefined): Effect.Effect<LedgerCount, LedgerUnavailable> =>
  Effect.flatMap(entryOf(row ?? {}), ({ expiresAt, value }) => {
    const count = Number(value)
    return Number.isSafeInteger(count) ? Effect.succeed({ count, expiresAt }) : Effect.fail(misfit)
  })

/** LIMIT refuses a negative or fractional bound: the bound the caller meant, as a whole number. */
const wholeLimit = (limit: number) => (limit >= 1 ? Math.floor(Math.min(limit, Number.MAX_SAFE_INTEGER)) : 0)

/**
 * The Ledger on PostgreSQL, in `authfx_ledger` (migration authfx_ledger), shared by every node. Each
 * primitive is one statement, never a read then a write: a conflicting writer blocks on the row and, under
 * READ COMMITTED, re-checks its WHERE (or its ON CONFLICT … WHERE) against the row as committed, so of two
 * nodes one compare-and-set wins and no increment is lost. Every statement takes `now` from Effect's Clock,
 * not the server's. Reads answer later (a network round trip), so there is no `sync`.
 */
export const make = (client: Client): Ledger["Service"] => {
  type Query<A> = (db: postgres.Sql) => Pending<A>
  const run = <A>(operation: string, query: Query<A>) => Effect.mapError(client.run(query), unavailable(operation))
  const atNow = <A>(operation: string, query: (db: postgres.Sql, now: Date) => Pending<A>) =>
    Effect.flatMap(Clock.currentTimeMillis, (millis) => run(operation, (db) => query(db, new Date(millis))))
  const written = (found: ReadonlyArray<Row>) => found.length > 0

  return Ledger.of({
    // One round trip for any number of keys; the answers are put back in the keys' order. The keys travel
    // as JSON: the pool does not fetch array types, so a text[] parameter would not serialise.
    get: (keys) => {
      if (keys.length === 0) return Effect.succeed([])
      const keyed = (row: Row) => Effect.map(entryOf(row), (entry) => [row["key"], entry] as const)
      return atNow("read entries", (db, now) =>
        db<ReadonlyArray<Row>>`
          SELECT key, value, expires_at FROM authfx_ledger
          WHERE key = ANY (ARRAY(SELECT jsonb_array_elements_text(${db.json([...keys])}))) AND expires_at > ${now}`
      ).pipe(
        Effect.flatMap((found) => Effect.forEach(found, keyed)),
        Effect.map((pairs) => {
          const byKey = new Map(pairs)
          return keys.map((key) => Option.fromNullishOr(byKey.get(key)))
        })
      )
    },
    set: (key, entry) =>
      Effect.asVoid(run("write an entry", (db) =>
        db`
          INSERT INTO authfx_ledger (key, value, expires_at) VALUES (${key}, ${entry.value}, ${entry.expiresAt})
          ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at`)),
    compareAndSet: (key, expected, next) =>
      Effect.map(
        atNow("compare and set an entry", (db, now) =>
          Option.isNone(expected)
            // Absent: the insert, or the overwrite of an expired row. A concurrent inserter waits for the first
            // insert to commit, then finds a live row and writes nothing.
            ? db<ReadonlyArray<Row>>`
              INSERT INTO authfx_ledger AS l (key, value, expires_at) VALUES (${key}, ${next.value}, ${next.expiresAt})
              ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at
              WHERE l.expires_at <= ${now}
              RETURNING 1 AS written`
            // A value: an UPDATE, because an absent key must stay absent (an upsert would insert it).
            : db<ReadonlyArray<Row>>`
              UPDATE authfx_ledger SET value = ${next.value}, expires_at = ${next.expiresAt}
              WHERE key = ${key} AND value = ${expected.value} AND expires_at > ${now}
              RETURNING 1 AS written`),
        written
      ),
    // In SET, `l.` is the row as it was, so both CASEs decide on the same old expires_at. Counts are whole
    // numbers.
    increment: (key, by, expiresAt) =>
      atNow("increment a counter", (db, now) =>
        db<ReadonlyArray<Row>>`
          INSERT INTO authfx_ledger AS l (key, value, expires_at) VALUES (${key}, ${by}::bigint::text, ${expiresAt})
          ON CONFLICT (key) DO UPDATE SET
            value = CASE WHEN l.expires_at > ${now} THEN (l.value::bigint + ${by}::bigint)::text ELSE EXCLUDED.value END,
            expires_at = CASE WHEN l.expires_at > ${now} THEN l.expires_at ELSE EXCLUDED.expires_at END
          RETURNING value, expires_at`).pipe(Effect.flatMap((found) => countOf(found[0]))),
    deleteIf: (key, expected) =>
      Effect.map(
        atNow("delete an entry", (db, now) =>
          db<ReadonlyArray<Row>>`
            DELETE FROM authfx_ledger WHERE key = ${key} AND value = ${expected} AND expires_at > ${now}
            RETURNING 1 AS deleted`),
        written
      ),
    // A bounded batch: the inner SELECT walks authfx_ledger_expires_at_idx, the DELETE finds its keys by the
    // primary key (`= ANY (ARRAY(…))`; with `IN (…)` the planner may hash-join a scan of every expired row).
    // SKIP LOCKED: nodes sweeping at once take different rows instead of queueing, and a row a compare-and-set
    // holds is left for the next sweep. The outer condition is re-checked on the row as committed, so an entry
    // made live again meanwhile stays.
    sweep: (limit) =>
      Effect.map(
        atNow("sweep expired entries", (db, now) =>
          db`
            DELETE FROM authfx_ledger WHERE key = ANY (ARRAY(
              SELECT key FROM authfx_ledger WHERE expires_at <= ${now}
              LIMIT ${wholeLimit(limit)} FOR UPDATE SKIP LOCKED
            )) AND expires_at <= ${now}`),
        (result) => result.count
      ),
    sync: Option.none()
  })
}

/** The Ledger over the shared pool. Building it opens no connection: the service starts while the database is down. */
export const layer: Layer.Layer<Ledger, never, PostgresClient> = Layer.effect(
  Ledger,
  PostgresClient.use((client) => Effect.succeed(make(client)))
)
