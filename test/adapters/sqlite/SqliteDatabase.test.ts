import { afterAll, assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { migrations } from "../../../src/adapters/sqlite/schema.ts"
import { open } from "../../../src/adapters/sqlite/SqliteDatabase.ts"

const dir = mkdtempSync(join(tmpdir(), "authfx-sqlite-database-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const newFile = () => join(dir, `db-${++files}.db`)

const pragma = (db: DatabaseSync, name: string) => db.prepare(`PRAGMA ${name}`).get()?.[name]
const tables = (db: DatabaseSync) =>
  db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all().map((row) => row["name"])

describe("SqliteDatabase", () => {
  it.effect("opens with WAL, foreign keys and the busy timeout, and closes with its scope", () =>
    Effect.gen(function*() {
      const db = yield* Effect.scoped(Effect.gen(function*() {
        const { connection } = yield* open({ path: newFile(), busyTimeoutMillis: 1234 })
        assert.strictEqual(pragma(connection, "journal_mode"), "wal")
        assert.strictEqual(pragma(connection, "foreign_keys"), 1)
        // SQLite names this pragma's column "timeout".
        assert.strictEqual(connection.prepare("PRAGMA busy_timeout").get()?.["timeout"], 1234)
        return connection
      }))
      assert.isFalse(db.isOpen)
    }))

  it.effect("applies the migrations once: reopening a migrated file changes nothing", () =>
    Effect.gen(function*() {
      const path = newFile()
      const first = yield* Effect.scoped(Effect.map(open({ path }), ({ connection }) => tables(connection)))
      const second = yield* Effect.scoped(Effect.map(open({ path }), ({ connection }) => tables(connection)))
      assert.deepStrictEqual(second, first)
      assert.includeMembers(first, ["users", "accounts", "sessions", "verification_tokens", "keys"])
      const raw = new DatabaseSync(path)
      assert.strictEqual(pragma(raw, "user_version"), migrations.length)
      raw.close()
    }))

  it.effect("a file from before the tokens key keeps its keys, and takes tokens keys (one current) after migrating", () =>
    Effect.gen(function*() {
      const path = newFile()
      const raw = new DatabaseSync(path)
      raw.exec(migrations[0]!)
      raw.exec("PRAGMA user_version = 1")
      raw.exec(`INSERT INTO keys (purpose, kid, kind, alg, enc, created_at, retires_at)
        VALUES ('csrf', 'kept', 'SecretKey', 'HS256', NULL, 1, NULL)`)
      assert.throws(() => raw.exec(`INSERT INTO keys (purpose, kid, kind, alg, enc, created_at)
        VALUES ('tokens', 't0', 'SecretKey', 'dir', 'A256GCM', 1)`))
      raw.close()
      yield* Effect.scoped(Effect.gen(function*() {
        const { connection } = yield* open({ path })
        assert.strictEqual(pragma(connection, "user_version"), migrations.length)
        assert.deepStrictEqual(
          connection.prepare("SELECT purpose, kid, kind, alg, created_at, retires_at FROM keys").all().map((row) => ({ ...row })),
          [{ purpose: "csrf", kid: "kept", kind: "SecretKey", alg: "HS256", created_at: 1, retires_at: null }]
        )
        // 'legacy': a derived key's row without sealed material, as the migration that dropped kek_id names it.
        const insert = connection.prepare(`INSERT INTO keys (purpose, kid, kind, alg, enc, created_at, origin)
          VALUES ('tokens', :kid, 'SecretKey', 'dir', 'A256GCM', 1, 'legacy')`)
        insert.run({ kid: "t1" })
        // The index that holds "one current key per purpose" came along.
        assert.throws(() => insert.run({ kid: "t2" }))
        assert.throws(() => connection.exec(`INSERT INTO keys (purpose, kid, kind, alg, enc, created_at, origin)
          VALUES ('other', 'o1', 'SecretKey', 'dir', 'A256GCM', 1, 'legacy')`))
      }))
    }))

  it.effect("a file from a newer schema is refused, not migrated backwards", () =>
    Effect.gen(function*() {
      const path = newFile()
      const raw = new DatabaseSync(path)
      raw.exec(`PRAGMA user_version = ${migrations.length + 1}`)
      raw.close()
      const failure = yield* Effect.flip(Effect.scoped(open({ path })))
      assert.deepStrictEqual([failure._tag, failure.kind], ["SqliteFailure", "newerSchema"])
    }))

  it.effect("a path that cannot be opened fails with a SqliteFailure, not a defect", () =>
    Effect.gen(function*() {
      const failure = yield* Effect.flip(Effect.scoped(open({ path: join(dir, "missing", "dir", "x.db") })))
      assert.strictEqual(failure._tag, "SqliteFailure")
    }))

  it.effect("transaction rolls back when its work throws", () =>
    Effect.gen(function*() {
      const db = yield* open({ path: ":memory:" })
      const failure = yield* Effect.flip(db.transaction((sql) => {
        sql.run("INSERT INTO ledger (key, value, expires_at) VALUES (:key, 'v', 1)", { key: "a" })
        sql.run("INSERT INTO ledger (key, value, expires_at) VALUES (:key, 'v', 1)", { key: "a" })
      }))
      assert.deepStrictEqual([failure.kind, failure.detail], ["unique", "ledger.key"])
      const count = yield* db.query((sql) => sql.get("SELECT count(*) AS n FROM ledger")?.["n"])
      assert.strictEqual(count, 0)
      assert.isFalse(db.connection.isTransaction)
    }))
})
