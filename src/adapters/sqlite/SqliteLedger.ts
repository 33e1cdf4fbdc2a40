import { Clock, Effect, Layer, Option } from "effect"
import type { StatementSync } from "node:sqlite"
import { Ledger, type LedgerCount, type LedgerEntry, LedgerUnavailable } from "../../ports/Ledger.ts"
import { date, text } from "./columns.ts"
import { type Connection, InvalidRow, type Row, SqliteDatabase, type SqliteFailure } from "./SqliteDatabase.ts"

/**
 * One statement per primitive, each atomic by itself: SQLite runs a statement under the file's write lock,
 * so no other connection (of this process or another) gets between its read of the row and its write.
 * `:now` is always the Clock's; a row whose expires_at is at or before it is absent to every statement.
 */
const statements = {
  // The keys travel as one JSON array, so a read of any number of keys is one statement text.
  get: `SELECT key, value, expires_at FROM ledger
    WHERE key IN (SELECT value FROM json_each(:keys)) AND expires_at > :now`,
  set: `INSERT INTO ledger (key, value, expires_at) VALUES (:key, :value, :expires_at)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
  // Expected absent: the insert, or the overwrite of an expired row; a live row makes the upsert do nothing.
  setIfAbsent: `INSERT INTO ledger (key, value, expires_at) VALUES (:key, :value, :expires_at)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
    WHERE ledger.expires_at <= :now
    RETURNING 1 AS written`,
  // Expected a value: an UPDATE, because an absent key must stay absent (an upsert would insert it).
  setIfValue: `UPDATE ledger SET value = :value, expires_at = :expires_at
    WHERE key = :key AND value = :expected AND expires_at > :now
    RETURNING 1 AS written`,
  // In SET, `ledger.` is the row before the statement, so both CASEs decide on the same old expires_at.
  // Counts are whole numbers (node:sqlite binds every JS number as a REAL, hence the CASTs).
  increment: `INSERT INTO ledger (key, value, expires_at)
    VALUES (:key, CAST(CAST(:by AS INTEGER) AS TEXT), :expires_at)
    ON CONFLICT (key) DO UPDATE SET
      value = CASE WHEN ledger.expires_at > :now
        THEN CAST(CAST(ledger.value AS INTEGER) + CAST(:by AS INTEGER) AS TEXT) ELSE excluded.value END,
      expires_at = CASE WHEN ledger.expires_at > :now THEN ledger.expires_at ELSE excluded.expires_at END
    RETURNING value, expires_at`,
  deleteIf: `DELETE FROM ledger WHERE key = :key AND value = :expected AND expires_at > :now
    RETURNING 1 AS deleted`,
  // SQLite has DELETE … LIMIT only in builds that enable it; the subquery walks ledger_expires_at instead.
  sweep: `DELETE FROM ledger WHERE key IN (SELECT key FROM ledger WHERE expires_at <= :now LIMIT :limit)`
} as const

const entryOf = (row: Row): LedgerEntry => ({ value: text(row, "value"), expiresAt: date(row, "expires_at") })

const countOf = (row: Row): LedgerCount => {
  const count = Number(text(row, "value"))
  if (!Number.isSafeInteger(count)) throw new InvalidRow({ column: "value" })
  return { count, expiresAt: date(row, "expires_at") }
}

/** LIMIT -1 is "no limit" to SQLite and a fraction is refused: the bound the caller meant, as a whole number. */
const wholeLimit = (limit: number) => (limit >= 1 ? Math.floor(Math.min(limit, Number.MAX_SAFE_INTEGER)) : 0)

const unavailable = (operation: string) => (failure: SqliteFailure) =>
  new LedgerUnavailable({ message: `the SQLite ledger could not ${operation}: ${failure.detail}`, cause: failure })

/**
 * The Ledger in the file `SqliteDatabase` opened, shared with every process that opens it. It answers reads
 * synchronously too (`sync`): node:sqlite is a synchronous driver, so a read is done in the calling stack.
 * Expired rows stay until overwritten or swept (the domain schedules `sweep`).
 */
export const make = Effect.gen(function*() {
  const db = yield* SqliteDatabase

  // The synchronous read cannot go through `db.query` (an Effect), so it keeps its own prepared statement,
  // on the same connection. Prepared at first use: building the layer touches no statement.
  let getStatement: StatementSync | undefined
  const read = (keys: ReadonlyArray<string>, now: number): ReadonlyArray<Option.Option<LedgerEntry>> => {
    if (keys.length === 0) return []
    getStatement ??= db.connection.prepare(statements.get)
    const rows = getStatement.all({ keys: JSON.stringify(keys), now })
    const found = new Map(rows.map((row) => [text(row, "key"), entryOf(row)]))
    return keys.map((key) => Option.fromNullishOr(found.get(key)))
  }

  /** One statement at the Clock's now; every failure is the ledger being unavailable. */
  const atNow = <A>(operation: string, work: (sql: Connection, now: number) => A) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => db.query((sql) => work(sql, now))).pipe(
      Effect.mapError(unavailable(operation))
    )
  const entryParams = (key: string, entry: LedgerEntry) => ({
    key,
    value: entry.value,
    expires_at: entry.expiresAt.getTime()
  })

  return Ledger.of({
    get: (keys) => atNow("read entries", (_, now) => read(keys, now)),
    set: (key, entry) =>
      db.query((sql) => void sql.run(statements.set, entryParams(key, entry))).pipe(
        Effect.mapError(unavailable("write an entry"))
      ),
    compareAndSet: (key, expected, next) =>
      atNow("compare and set an entry", (sql, now) =>
        Option.isNone(expected)
          ? sql.get(statements.setIfAbsent, { ...entryParams(key, next), now }) !== undefined
          : sql.get(statements.setIfValue, { ...entryParams(key, next), expected: expected.value, now }) !== undefined),
    // `?? {}`: RETURNING of the row the upsert wrote always returns it; should it not, it reads as invalid.
    increment: (key, by, expiresAt) =>
      atNow("increment a counter", (sql, now) =>
        countOf(sql.get(statements.increment, { key, by, expires_at: expiresAt.getTime(), now }) ?? {})),
    deleteIf: (key, expected) =>
      atNow("delete an entry", (sql, now) => sql.get(statements.deleteIf, { key, expected, now }) !== undefined),
    sweep: (limit) =>
      atNow("sweep expired entries", (sql, now) => sql.run(statements.sweep, { now, limit: wholeLimit(limit) })),
    sync: Option.some({ get: read })
  })
})

export const layer: Layer.Layer<Ledger, never, SqliteDatabase> = Layer.effect(Ledger, make)
