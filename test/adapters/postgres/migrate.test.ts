import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import * as PostgresMigrations from "../../../src/adapters/postgres/migrate.ts"
import { PostgresClient } from "../../../src/adapters/postgres/PostgresClient.ts"
import { client, databaseUrl, dropSchema, randomSchema } from "./testDatabase.ts"

/** A fresh schema name, dropped with the scope (whether or not anything created it). */
const scratchSchema = (label: string) =>
  Effect.acquireRelease(Effect.sync(() => randomSchema(label)), (schema) => Effect.orDie(dropSchema(databaseUrl, schema)))

const migrateWith = (schema: string) =>
  Effect.scoped(Effect.flatMap(client(schema, { max: 1 }), (c) =>
    PostgresMigrations.migrate.pipe(Effect.provideService(PostgresClient, c))))

const files = await Effect.runPromise(Effect.map(PostgresMigrations.migrations, (all) => all.map((m) => m.name)).pipe(Effect.orDie))
/** The version a migrated database is at: the last file's number (numbers are assigned per change, with gaps). */
const lastVersion = Number(files.at(-1)!.slice(0, 4))

describe("migrate", () => {
  it.live("applies every migration once, in order, and is a no-op the second time", () =>
    Effect.gen(function*() {
      const schema = yield* scratchSchema("migrate")
      const first = yield* migrateWith(schema)
      expect(first.applied).toEqual(files)
      assert.strictEqual(first.version, lastVersion)
      const second = yield* migrateWith(schema)
      expect(second).toEqual({ applied: [], version: lastVersion })
    }).pipe(Effect.scoped))

  it.live("five nodes migrating one database at once: applied once, nobody fails", () =>
    Effect.gen(function*() {
      const schema = yield* scratchSchema("migrate_race")
      const results = yield* Effect.all(Array.from({ length: 5 }, () => migrateWith(schema)), { concurrency: "unbounded" })
      expect(results.map((r) => r.applied.length).sort()).toEqual([0, 0, 0, 0, files.length])
      for (const result of results) assert.strictEqual(result.version, lastVersion)
      const recorded = yield* Effect.scoped(Effect.flatMap(client(schema, { max: 1 }), ({ sql }) =>
        Effect.promise(() => sql`SELECT name FROM authfx_migrations ORDER BY version`)))
      expect(recorded.map((row) => row["name"])).toEqual(files)
    }).pipe(Effect.scoped))

  it.live("a migration edited after it was applied stops the run, naming the file", () =>
    Effect.gen(function*() {
      const schema = yield* scratchSchema("migrate_edit")
      yield* migrateWith(schema)
      yield* Effect.scoped(Effect.flatMap(client(schema, { max: 1 }), ({ sql }) =>
        Effect.promise(() => sql`UPDATE authfx_migrations SET checksum = 'x' WHERE version = 2`)))
      const error = yield* Effect.flip(migrateWith(schema))
      assert.strictEqual(error._tag, "MigrationFailed")
      assert.strictEqual(error.migration, files[1])
      assert.include(error.message, "was edited after it was applied")
    }).pipe(Effect.scoped))

  // 0002 once normalised addresses with NFKC; its text was corrected. Databases that applied the first text
  // (their checksum says so) have the same schema and must keep starting.
  it.live("a database that applied the earlier text of the corrected 0002 migrates on and keeps its record", () =>
    Effect.gen(function*() {
      const earlier = "82ec94ab9e014d353f0ee89d8a22e006a1958c09b7ba2221145f2b04bd6e77fa"
      const current = yield* Effect.map(PostgresMigrations.migrations, (all) => all[1]!.checksum).pipe(Effect.orDie)
      assert.notStrictEqual(current, earlier)
      const schema = yield* scratchSchema("migrate_corrected")
      yield* migrateWith(schema)
      const recorded = (sql: string) =>
        Effect.scoped(Effect.flatMap(client(schema, { max: 1 }), (c) => Effect.promise(() => c.sql.unsafe(sql))))
      yield* recorded(`UPDATE authfx_migrations SET checksum = '${earlier}' WHERE version = 2`)
      expect(yield* migrateWith(schema)).toEqual({ applied: [], version: lastVersion })
      const rows = yield* recorded("SELECT checksum FROM authfx_migrations WHERE version = 2")
      assert.strictEqual(rows[0]?.["checksum"], earlier)
    }).pipe(Effect.scoped))

  it.live("a database that is down fails with MigrationFailed saying so", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Effect.scoped(Effect.flatMap(
        client("authfx_unused", { url: "postgres://postgres@127.0.0.1:1/test", max: 1, connectTimeout: "2 seconds" }),
        (c) => PostgresMigrations.migrate.pipe(Effect.provideService(PostgresClient, c))
      )))
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) assert.include(String(exit.cause), "refused the connection")
    }))
})

describe("the authfx migrate command", () => {
  const cli = fileURLToPath(new URL("../../../src/cli/authfx.ts", import.meta.url))
  const runCli = (env: Record<string, string>) =>
    Effect.callback<{ readonly code: number; readonly stdout: string; readonly stderr: string }>((resume) => {
      execFile(process.execPath, [cli, "migrate"], { env: { ...process.env, ...env }, timeout: 20_000 }, (error, stdout, stderr) =>
        resume(Effect.succeed({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr })))
    })

  it.live("migrates DATABASE_URL's DATABASE_SCHEMA and says what it applied", () =>
    Effect.gen(function*() {
      const schema = yield* scratchSchema("cli")
      const result = yield* runCli({ DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema })
      assert.strictEqual(result.code, 0, result.stderr)
      expect(result.stdout.trim().split("\n")).toEqual([...files.map((f) => `applied ${f}`), `now at version ${lastVersion}`])
      expect((yield* migrateWith(schema)).applied).toEqual([])
    }).pipe(Effect.scoped))

  it.live("without DATABASE_URL it says what to set and exits 1", () =>
    Effect.gen(function*() {
      const { DATABASE_URL: _, ...rest } = process.env
      const result = yield* Effect.callback<{ code: number; stderr: string }>((resume) => {
        execFile(process.execPath, [cli, "migrate"], { env: rest, timeout: 20_000 }, (error, _stdout, stderr) =>
          resume(Effect.succeed({ code: typeof error?.code === "number" ? error.code : 0, stderr })))
      })
      assert.strictEqual(result.code, 1)
      assert.include(result.stderr, "set DATABASE_URL")
    }))
})
