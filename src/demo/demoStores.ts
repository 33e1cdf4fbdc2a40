import type { Adapter } from "@auth/core/adapters"
import { ConfigProvider, Data, Effect, Layer, Redacted } from "effect"
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { kyselyMysqlSchema, pgAdapterConstraints, pgAdapterSchema } from "../adapters/authjs/authjsSchemas.ts"
import * as AuthjsUsers from "../adapters/authjs/AuthjsUsers.ts"
import * as MemoryKeyStore from "../adapters/memory/MemoryKeyStore.ts"
import * as MemoryLedger from "../adapters/memory/MemoryLedger.ts"
import * as PostgresMigrations from "../adapters/postgres/migrate.ts"
import * as PostgresClient from "../adapters/postgres/PostgresClient.ts"
import * as PostgresJobLock from "../adapters/postgres/PostgresJobLock.ts"
import * as PostgresKeyStore from "../adapters/postgres/PostgresKeyStore.ts"
import * as PostgresLedger from "../adapters/postgres/PostgresLedger.ts"
import * as PostgresUsers from "../adapters/postgres/PostgresUsers.ts"
import * as RedisLedger from "../adapters/redis/RedisLedger.ts"
import { SqliteDatabase } from "../adapters/sqlite/SqliteDatabase.ts"
import * as SqliteKeyStore from "../adapters/sqlite/SqliteKeyStore.ts"
import * as SqliteLedger from "../adapters/sqlite/SqliteLedger.ts"
import * as SqliteUsers from "../adapters/sqlite/SqliteUsers.ts"
import type { JobLock } from "../ports/JobLock.ts"
import type { KeyStore } from "../ports/KeyStore.ts"
import type { Ledger } from "../ports/Ledger.ts"
import type { Users } from "../ports/Users.ts"

export interface DemoStores {
  readonly users: Layer.Layer<Users, unknown>
  readonly ledger: Layer.Layer<Ledger, unknown>
  readonly keyStore: Layer.Layer<KeyStore, unknown>
  /** On PostgreSQL, the advisory lock; elsewhere createAuth's default, a lease in the ledger. */
  readonly jobLock?: Layer.Layer<JobLock, unknown>
}

type Env = Readonly<Record<string, string | undefined>>

/** The demo's Auth.js adapter could not be set up; `message` never holds the URL (it may hold a password). */
class AuthjsDemoFailed extends Data.TaggedError("AuthjsDemoFailed")<{ readonly message: string; readonly cause?: unknown }> {}

const attempt = <A>(message: string, run: () => Promise<A>) =>
  Effect.tryPromise({ try: run, catch: (cause) => new AuthjsDemoFailed({ message, cause }) })

const databaseUrlOf = (env: Env, kind: string) =>
  Effect.suspend(() => {
    const url = env["DATABASE_URL"]
    return url === undefined || url === ""
      ? Effect.fail(new AuthjsDemoFailed({ message: `AUTHJS_ADAPTER=${kind} needs DATABASE_URL` }))
      : Effect.succeed(url)
  })

/**
 * The Auth.js adapter AUTHJS_ADAPTER names, on DATABASE_URL, with its tables created if they are missing (each
 * statement of authjsSchemas.ts is idempotent: CREATE … IF NOT EXISTS). The drivers are loaded only here, so the
 * default demo does not load them.
 */
const authjsAdapter = (kind: string, env: Env) =>
  Effect.gen(function*() {
    switch (kind) {
      case "kysely-mysql": {
        const url = yield* databaseUrlOf(env, kind)
        const [{ KyselyAdapter }, { Kysely, MysqlDialect }, mysql] = yield* attempt("cannot load kysely / mysql2", () =>
          Promise.all([import("@auth/kysely-adapter"), import("kysely"), import("mysql2")]))
        // UTC both ways: DATETIME has no zone, and the process's may differ from the server's.
        const pool = mysql.createPool({ uri: url, timezone: "Z", connectionLimit: 10 })
        const db = yield* Effect.acquireRelease(
          Effect.sync(() => new Kysely<import("@auth/kysely-adapter").Database>({ dialect: new MysqlDialect({ pool }) })),
          (db) => Effect.promise(() => db.destroy())
        )
        yield* attempt("cannot create the Kysely adapter's tables on DATABASE_URL", async () => {
          for (const statement of kyselyMysqlSchema) await pool.promise().query(statement)
        })
        return { adapter: KyselyAdapter(db), options: {} }
      }
      case "pg": {
        const url = yield* databaseUrlOf(env, kind)
        const [{ default: PostgresAdapter }, { default: pg }] = yield* attempt("cannot load @auth/pg-adapter / pg", () =>
          Promise.all([import("@auth/pg-adapter"), import("pg")]))
        const pool = yield* Effect.acquireRelease(
          Effect.sync(() => new pg.Pool({ connectionString: url, max: 10 })),
          (pool) => Effect.promise(() => pool.end())
        )
        yield* attempt("cannot create @auth/pg-adapter's tables on DATABASE_URL", async () => {
          for (const statement of [...pgAdapterSchema, ...pgAdapterConstraints]) await pool.query(statement)
        })
        return { adapter: PostgresAdapter(pool), options: { ping: () => pool.query("SELECT 1") } }
      }
      case "unstorage-memory": {
        const [{ UnstorageAdapter }, { createStorage }] = yield* attempt("cannot load unstorage", () =>
          Promise.all([import("@auth/unstorage-adapter"), import("unstorage")]))
        return { adapter: UnstorageAdapter(createStorage()) as Adapter, options: {} }
      }
      default:
        return yield* new AuthjsDemoFailed({
          message: `AUTHJS_ADAPTER must be kysely-mysql, pg or unstorage-memory, not ${JSON.stringify(kind)}`
        })
    }
  })

/**
 * With REDIS_URL, the ledger (revocations, refresh claims, counters, the Auth.js bridge's indexes) is in that
 * Redis, under REDIS_KEY_PREFIX (default `authfx:`), whatever keeps users, keys and sessions.
 */
const redisLedger = (env: Env): Layer.Layer<Ledger> | undefined => {
  const url = env["REDIS_URL"]
  if (url === undefined || url === "") return undefined
  const keyPrefix = env["REDIS_KEY_PREFIX"]
  return RedisLedger.layerUrl({ url: Redacted.make(url), ...(keyPrefix === undefined || keyPrefix === "" ? {} : { keyPrefix }) })
}

/**
 * The bridge's Users over the demo's own ledger (the same layer value, so one ledger serves the bridge's indexes
 * and the domain's revocations): memory, or with AUTHFX_DB_FILE set, SQLite in that file, kept across restarts.
 */
const authjsStores = (kind: string, env: Env): Pick<DemoStores, "users" | "ledger"> => {
  const path = env["AUTHFX_DB_FILE"]
  const inRedis = redisLedger(env)
  if (inRedis === undefined && (path === undefined || path === "")) {
    console.log("authfx demo: the ledger, with the Auth.js bridge's indexes, is in memory (set AUTHFX_DB_FILE or REDIS_URL to keep it)")
  } else if (inRedis === undefined && path !== undefined && path !== ":memory:") mkdirSync(dirname(path), { recursive: true })
  const ledger = inRedis ?? (path === undefined || path === ""
    ? MemoryLedger.layer
    : SqliteLedger.layer.pipe(Layer.provide(SqliteDatabase.layer({ path }))))
  const users = Layer.unwrap(Effect.map(authjsAdapter(kind, env), ({ adapter, options }) =>
    AuthjsUsers.layer(adapter, options).pipe(Layer.provide(ledger))))
  return { users, ledger }
}

/**
 * With AUTHJS_ADAPTER (kysely-mysql, pg or unstorage-memory), users, accounts and sessions live in that Auth.js
 * adapter's tables through the bridge (see authjsAdapter); keys are derived from the secret, and the ledger
 * (revocations, refresh claims, the bridge's indexes) is in memory, or in the SQLite file AUTHFX_DB_FILE names.
 *
 * With DATABASE_URL, PostgreSQL (migrated at start; DATABASE_POOL_MAX, DATABASE_SCHEMA and the timeouts
 * are read too). Otherwise the demo keeps users, accounts, sessions, the ledger and keys across restarts with
 * no setup: an SQLite file (AUTHFX_DB_FILE, default .data/authfx.sqlite). Either way the stores share one
 * connection (pool): the same layer value is built once. With REDIS_URL the ledger alone moves to Redis.
 */
export const demoStores = (
  env: Readonly<Record<string, string | undefined>>,
  secrets: ReadonlyArray<Redacted.Redacted<string>>
): DemoStores => {
  const authjs = env["AUTHJS_ADAPTER"]
  if (authjs !== undefined && authjs !== "") {
    return { ...authjsStores(authjs, env), keyStore: MemoryKeyStore.layer({ secrets }) }
  }
  const databaseUrl = env["DATABASE_URL"]
  if (databaseUrl !== undefined && databaseUrl !== "") {
    // The demo's environment, not process.env: the variables it was started with.
    const client = PostgresClient.layerConfig().pipe(
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: env as Record<string, string> })))
    )
    const migrated = PostgresMigrations.layer.pipe(Layer.provideMerge(client))
    return {
      users: PostgresUsers.layer.pipe(Layer.provide(migrated)),
      ledger: redisLedger(env) ?? PostgresLedger.layer.pipe(Layer.provide(migrated)),
      keyStore: PostgresKeyStore.layer({ secrets }).pipe(Layer.provide(migrated)),
      jobLock: PostgresJobLock.layer.pipe(Layer.provide(migrated))
    }
  }
  const path = env["AUTHFX_DB_FILE"] ?? ".data/authfx.sqlite"
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true })
  const database = SqliteDatabase.layer({ path })
  return {
    users: SqliteUsers.layer.pipe(Layer.provide(database)),
    ledger: redisLedger(env) ?? SqliteLedger.layer.pipe(Layer.provide(database)),
    keyStore: SqliteKeyStore.layer({ secrets }).pipe(Layer.provide(database))
  }
}
