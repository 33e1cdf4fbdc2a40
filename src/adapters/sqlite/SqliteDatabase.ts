import { Context, Data, Effect, Layer, type Scope } from "effect"
import { DatabaseSync, type SQLInputValue, type SQLOutputValue, type StatementSync } from "node:sqlite"
import { migrations } from "./schema.ts"

export interface Options {
  /** A file, created when missing; ":memory:" gives a database that lives as long as the layer. */
  readonly path: string
  /**
   * How long a write waits for another connection's lock before failing, in milliseconds (default 5000).
   * The driver is synchronous, so the wait blocks this process's event loop: keep it short.
   */
  readonly busyTimeoutMillis?: number
}

export type Row = Record<string, SQLOutputValue>
export type Params = Record<string, SQLInputValue>

/** A stored value does not have the shape the adapters write: the file was edited by hand or elsewhere. */
export class InvalidRow extends Data.TaggedError("InvalidRow")<{ readonly column: string }> {}

/**
 * - `unique`, `foreignKey`: a constraint refused a write; the adapters turn these into the port's conflicts.
 * - `busy`: another connection held the lock past the busy timeout.
 * - `closed`: the connection is closed.
 * - `invalidRow`, `newerSchema`, `other`: the file or SQLite failed in a way the caller cannot fix.
 */
export type FailureKind = "unique" | "foreignKey" | "busy" | "closed" | "invalidRow" | "newerSchema" | "other"

/**
 * What went wrong, reduced to what callers branch on. `detail` never holds a stored or bound value (SQLite
 * names tables and columns in its messages, not values), so it may go into an error message.
 */
export class SqliteFailure extends Data.TaggedError("SqliteFailure")<{
  readonly kind: FailureKind
  /** For `unique`, the columns as SQLite lists them, e.g. "users.email"; otherwise a short description. */
  readonly detail: string
  readonly cause: unknown
}> {}

/** The connection as the adapters see it: statements by their text, prepared once and reused. */
export interface Connection {
  readonly get: (sql: string, params?: Params) => Row | undefined
  readonly all: (sql: string, params?: Params) => Array<Row>
  /** Returns how many rows the statement changed. */
  readonly run: (sql: string, params?: Params) => number
}

// Extended result codes (https://sqlite.org/rescode.html): constraint failures say which constraint.
const SQLITE_BUSY = 5
const SQLITE_LOCKED = 6
const SQLITE_CONSTRAINT_FOREIGNKEY = 787
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555
const SQLITE_CONSTRAINT_UNIQUE = 2067

const numberMember = (error: Error, name: string): number | undefined => {
  const value: unknown = Reflect.get(error, name)
  return typeof value === "number" ? value : undefined
}

const stringMember = (error: Error, name: string): string | undefined => {
  const value: unknown = Reflect.get(error, name)
  return typeof value === "string" ? value : undefined
}

/** Classifies whatever a synchronous call threw. */
export const failureOf = (error: unknown): SqliteFailure => {
  if (error instanceof SqliteFailure) return error
  if (error instanceof InvalidRow) {
    return new SqliteFailure({ kind: "invalidRow", detail: `a stored ${error.column} is invalid`, cause: error })
  }
  if (!(error instanceof Error)) return new SqliteFailure({ kind: "other", detail: "an unexpected failure", cause: error })
  const errcode = numberMember(error, "errcode")
  if (errcode === SQLITE_CONSTRAINT_UNIQUE || errcode === SQLITE_CONSTRAINT_PRIMARYKEY) {
    const detail = error.message.replace(/^UNIQUE constraint failed: /, "")
    return new SqliteFailure({ kind: "unique", detail, cause: error })
  }
  if (errcode === SQLITE_CONSTRAINT_FOREIGNKEY) {
    return new SqliteFailure({ kind: "foreignKey", detail: "a foreign key", cause: error })
  }
  // The primary code is the low byte of the extended one (SQLITE_BUSY_SNAPSHOT is a BUSY too).
  if (errcode !== undefined && ((errcode & 0xff) === SQLITE_BUSY || (errcode & 0xff) === SQLITE_LOCKED)) {
    return new SqliteFailure({ kind: "busy", detail: "the database stayed locked past the busy timeout", cause: error })
  }
  // node:sqlite says "database is not open" or "statement has been finalized" with this code.
  if (stringMember(error, "code") === "ERR_INVALID_STATE") {
    return new SqliteFailure({ kind: "closed", detail: "the database is closed", cause: error })
  }
  const errstr = stringMember(error, "errstr")
  const detail = errstr === undefined ? "an unexpected failure" : `SQLite: ${errstr}`
  return new SqliteFailure({ kind: "other", detail, cause: error })
}

const connectionOf = (db: DatabaseSync): Connection => {
  const statements = new Map<string, StatementSync>()
  const statement = (sql: string) => {
    const cached = statements.get(sql)
    if (cached !== undefined) return cached
    const prepared = db.prepare(sql)
    statements.set(sql, prepared)
    return prepared
  }
  return {
    get: (sql, params = {}) => statement(sql).get(params),
    all: (sql, params = {}) => statement(sql).all(params),
    run: (sql, params = {}) => Number(statement(sql).run(params).changes)
  }
}

// IMMEDIATE takes the write lock up front, so a transaction that reads and then writes cannot be overtaken
// by another connection between the two (a DEFERRED one could, and would fail with SQLITE_BUSY_SNAPSHOT).
const immediately = <A>(db: DatabaseSync, work: () => A): A => {
  db.exec("BEGIN IMMEDIATE")
  try {
    const result = work()
    db.exec("COMMIT")
    return result
  } catch (error) {
    try {
      if (db.isOpen && db.isTransaction) db.exec("ROLLBACK")
    } catch {
      // The original error says more than a failed rollback; SQLite rolls back on close anyway.
    }
    throw error
  }
}

const userVersion = (db: DatabaseSync): number => {
  const version = db.prepare("PRAGMA user_version").get()?.["user_version"]
  if (typeof version !== "number") throw new InvalidRow({ column: "user_version" })
  return version
}

// One IMMEDIATE transaction per migration, re-reading the version inside it: of several processes opening
// the same new file at once, one applies each migration and the others find it applied.
const migrate = (db: DatabaseSync) => {
  for (;;) {
    const applied = immediately(db, () => {
      const version = userVersion(db)
      if (version > migrations.length) {
        throw new SqliteFailure({
          kind: "newerSchema",
          detail: `the database has schema version ${version}, newer than this authfx knows (${migrations.length})`,
          cause: null
        })
      }
      const migration = migrations[version]
      if (migration === undefined) return false
      db.exec(migration)
      db.exec(`PRAGMA user_version = ${version + 1}`)
      return true
    })
    if (!applied) return
  }
}

const connect = (options: Options): DatabaseSync => {
  const db = new DatabaseSync(options.path, {
    timeout: options.busyTimeoutMillis ?? 5000,
    enableForeignKeyConstraints: true
  })
  try {
    // WAL: readers never wait for the writer, and a write is one append instead of a journal rewrite.
    db.exec("PRAGMA journal_mode = WAL")
    db.exec("PRAGMA foreign_keys = ON")
    migrate(db)
    return db
  } catch (error) {
    db.close()
    throw error
  }
}

const close = (db: DatabaseSync) =>
  Effect.sync(() => {
    try {
      if (db.isOpen) db.close()
    } catch {
      // Closing is best effort: whatever was committed is already in the file.
    }
  })

/**
 * One SQLite connection (`node:sqlite`, which Node ships) for the embedded stores: opened with WAL,
 * foreign keys and a busy timeout, migrated on open, closed with the layer. The Users and KeyStore of a
 * process share it; other processes open their own connection to the same file.
 */
export class SqliteDatabase extends Context.Service<SqliteDatabase, {
  readonly connection: DatabaseSync
  /**
   * Runs synchronous work on the connection; whatever it throws becomes a `SqliteFailure`. Give it one
   * statement: other fibers may run theirs between two `query` calls.
   */
  readonly query: <A>(work: (sql: Connection) => A) => Effect.Effect<A, SqliteFailure>
  /**
   * Runs synchronous work inside `BEGIN IMMEDIATE … COMMIT`, rolled back when it throws. The work is
   * synchronous, so no other fiber's statement can slip into the transaction.
   */
  readonly transaction: <A>(work: (sql: Connection) => A) => Effect.Effect<A, SqliteFailure>
}>()("authfx/SqliteDatabase") {
  static readonly layer = (options: Options): Layer.Layer<SqliteDatabase, SqliteFailure> =>
    Layer.effect(SqliteDatabase, open(options))
}

export const open = (options: Options): Effect.Effect<SqliteDatabase["Service"], SqliteFailure, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(Effect.try({ try: () => connect(options), catch: failureOf }), close),
    (connection) => {
      const sql = connectionOf(connection)
      return SqliteDatabase.of({
        connection,
        query: (work) => Effect.try({ try: () => work(sql), catch: failureOf }),
        transaction: (work) => Effect.try({ try: () => immediately(connection, () => work(sql)), catch: failureOf })
      })
    }
  )
