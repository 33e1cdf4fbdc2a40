import { Effect, Layer, Schema } from "effect"
import { createHash } from "node:crypto"
import { readdir, readFile } from "node:fs/promises"
import type postgres from "postgres"
import { PostgresClient } from "./PostgresClient.ts"
import { advisoryLockKey } from "./advisoryLockKey.ts"
import { classify } from "./sqlErrors.ts"

/** Migrating stopped; nothing of this run was applied. `message` is fit for an operator's terminal. */
export class MigrationFailed extends Schema.TaggedError<MigrationFailed>()("MigrationFailed", {
  message: Schema.String,
  /** The file that failed, when one did. */
  migration: Schema.optionalKey(Schema.String)
}) {}

export interface Migration {
  readonly version: number
  /** The file name, e.g. `0002_authfx_constraints.sql`. */
  readonly name: string
  readonly sql: string
  readonly checksum: string
}

export interface MigrationResult {
  /** What this run applied, in order; empty when the database was up to date. */
  readonly applied: ReadonlyArray<string>
  /** The highest version the database has now. */
  readonly version: number
}

/**
 * The migrations ship as .sql files next to this module (a build must copy `migrations/` along), so that
 * they can be read, reviewed and, if need be, run by hand with psql.
 */
const directory = new URL("./migrations/", import.meta.url)

const fileName = /^(\d{4})_[a-z0-9_]+\.sql$/

const checksum = (text: string) => createHash("sha256").update(text).digest("hex")

/**
 * Earlier texts of a migration that a database may have applied, by checksum. A migration is corrected in
 * place only when the schema it leaves is the same; a database that applied the earlier text keeps it (and
 * its recorded checksum). Any other change is a new migration.
 */
const earlierChecksums: Readonly<Record<string, ReadonlyArray<string>>> = {
  // Normalised e-mail addresses with NFKC and Unicode lower case, merging look-alike mailboxes.
  "0002_authfx_constraints.sql": ["82ec94ab9e014d353f0ee89d8a22e006a1958c09b7ba2221145f2b04bd6e77fa"]
}

const appliedAs = (file: Migration, recorded: string) =>
  recorded === file.checksum || (earlierChecksums[file.name] ?? []).includes(recorded)

/** The migration files, in version order. */
export const migrations: Effect.Effect<ReadonlyArray<Migration>, MigrationFailed> = Effect.tryPromise({
  try: async () => {
    const names = (await readdir(directory)).filter((name) => fileName.test(name)).sort()
    return Promise.all(names.map(async (name): Promise<Migration> => {
      // Line endings depend on the checkout (git autocrlf); the checksum must not.
      const text = (await readFile(new URL(name, directory), "utf8")).replaceAll("\r\n", "\n")
      return { version: Number(name.slice(0, 4)), name, sql: text, checksum: checksum(text) }
    }))
  },
  catch: () => new MigrationFailed({ message: `cannot read the migration files in ${directory.pathname}` })
})

/** One lock per schema: nodes migrating the same schema queue up, tests migrating their own schemas do not. */
const lockKey = (schema: string | null): string => advisoryLockKey("migrate", schema)

type Outcome =
  | { readonly _tag: "Applied"; readonly applied: ReadonlyArray<string>; readonly version: number }
  | { readonly _tag: "Changed"; readonly name: string }

/** Which file is running, so that a failure can name it. */
interface Progress {
  running: string | null
}

const apply = (sql: postgres.Sql, schema: string | null, files: ReadonlyArray<Migration>, progress: Progress) =>
  sql.begin(async (tx): Promise<Outcome> => {
    // A long ALTER on a big table must not trip a statement_timeout configured for request traffic.
    await tx`SET LOCAL statement_timeout = 0`
    // Held until COMMIT: a node starting while another migrates waits here, then finds nothing left to do.
    await tx`SELECT pg_advisory_xact_lock(${lockKey(schema)}::bigint)`
    // After the lock: CREATE … IF NOT EXISTS is not safe against a concurrent CREATE of the same name. And only
    // when missing: a role that may not create schemas can still migrate one an administrator made for it.
    if (schema !== null && (await tx`SELECT 1 FROM pg_namespace WHERE nspname = ${schema}`).length === 0) {
      await tx.unsafe(`CREATE SCHEMA ${schema}`)
    }
    await tx`
      CREATE TABLE IF NOT EXISTS authfx_migrations (
        version INTEGER NOT NULL PRIMARY KEY,
        name TEXT NOT NULL,
        checksum TEXT NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`
    const done = new Map<number, string>()
    for (const row of await tx`SELECT version, checksum FROM authfx_migrations`) {
      done.set(Number(row["version"]), String(row["checksum"]))
    }
    const applied: Array<string> = []
    for (const file of files) {
      const recorded = done.get(file.version)
      if (recorded !== undefined) {
        if (!appliedAs(file, recorded)) return { _tag: "Changed", name: file.name }
        continue
      }
      progress.running = file.name
      await tx.unsafe(file.sql)
      progress.running = null
      await tx`INSERT INTO authfx_migrations (version, name, checksum) VALUES (${file.version}, ${file.name}, ${file.checksum})`
      applied.push(file.name)
    }
    const version = Math.max(0, ...done.keys(), ...files.map((file) => file.version))
    return { _tag: "Applied", applied, version }
  })

const text = (value: unknown): string | null => (typeof value === "string" && value.length > 0 ? value : null)

/**
 * The server's own words when they are about schema objects; only codes for data errors (class 22), whose
 * messages quote the offending value.
 */
const describe = (cause: unknown): string => {
  if (typeof cause !== "object" || cause === null) return "migrating failed"
  const error = cause as Record<string, unknown>
  const code = text(error["code"]) ?? "unknown"
  const message = text(error["message"])
  if (error["name"] !== "PostgresError" || message === null) {
    const failure = classify(cause)
    return `cannot migrate: ${failure._tag === "Unavailable" ? failure.message : code}`
  }
  if (code.startsWith("22")) return `PostgreSQL rejected a value while migrating (${code})`
  const hint = text(error["hint"])
  return `${message}${hint === null ? "" : `\n${hint}`} (${code})`
}

/**
 * Applies the migrations the database lacks, in order, in one transaction that holds an advisory lock:
 * all or nothing, once, however many nodes start at the same moment. Running it again is a no-op.
 */
export const migrate: Effect.Effect<MigrationResult, MigrationFailed, PostgresClient> = Effect.gen(function*() {
  const { schema, sql } = yield* PostgresClient
  const files = yield* migrations
  const progress: Progress = { running: null }
  const outcome = yield* Effect.tryPromise({
    try: () => apply(sql, schema, files, progress),
    catch: (cause) =>
      progress.running === null
        ? new MigrationFailed({ message: describe(cause) })
        : new MigrationFailed({ message: `${progress.running}: ${describe(cause)}`, migration: progress.running })
  })
  if (outcome._tag === "Changed") {
    return yield* new MigrationFailed({
      message: `${outcome.name} was edited after it was applied to this database; restore the original file`,
      migration: outcome.name
    })
  }
  return { applied: outcome.applied, version: outcome.version }
}).pipe(Effect.withSpan("PostgresMigrations.migrate"))

/** Migrates while the application starts (optional: `authfx migrate` does the same from a deploy step). */
export const layer: Layer.Layer<never, MigrationFailed, PostgresClient> = Layer.effectDiscard(migrate)
