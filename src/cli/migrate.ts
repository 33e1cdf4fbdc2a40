#!/usr/bin/env node
/**
 * `authfx migrate`: brings the database named by DATABASE_URL (schema DATABASE_SCHEMA, if set) up to the
 * current authfx schema. Safe to run from every node of a deploy at once, and again: see migrate.ts.
 * Prints what it applied and the migrations' notices; on failure prints why and exits 1.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { resolve } from "node:path"
import { fileURLToPath } from "node:url"
import * as PostgresMigrations from "../adapters/postgres/migrate.ts"
import * as PostgresClient from "../adapters/postgres/PostgresClient.ts"

const failed = (message: string) =>
  Effect.andThen(Console.error(`authfx migrate: ${message}`), Effect.sync(() => void (process.exitCode = 1)))

export const migrateCommand = Effect.gen(function*() {
  const { applied, version } = yield* PostgresMigrations.migrate
  for (const name of applied) yield* Console.log(`applied ${name}`)
  yield* Console.log(applied.length === 0 ? `up to date (version ${version})` : `now at version ${version}`)
}).pipe(
  Effect.provide(PostgresClient.layerConfig({
    max: 1,
    applicationName: "authfx migrate",
    // RAISE NOTICE from a migration (code 00000) reports a repair; "already exists, skipping" is noise.
    onNotice: (notice) => {
      if (notice.code === "00000") console.log(notice.message)
    }
  })),
  Effect.catchTags({
    MigrationFailed: (error) => failed(error.message),
    InvalidPostgresOptions: (error) => failed(error.message),
    ConfigError: () => failed("set DATABASE_URL (e.g. postgres://user:password@host:5432/database)")
  })
)

// `import.meta.main` arrived in Node 24.2; on the Node 22 the package still supports it is undefined.
const isMain = import.meta.main ?? (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url))

if (isMain) NodeRuntime.runMain(migrateCommand)
