import { ConfigProvider, Layer, type Redacted } from "effect"
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import * as PostgresMigrations from "../adapters/postgres/migrate.ts"
import * as PostgresClient from "../adapters/postgres/PostgresClient.ts"
import * as PostgresKeyStore from "../adapters/postgres/PostgresKeyStore.ts"
import * as PostgresUserStore from "../adapters/postgres/PostgresUserStore.ts"
import { SqliteDatabase } from "../adapters/sqlite/SqliteDatabase.ts"
import * as SqliteKeyStore from "../adapters/sqlite/SqliteKeyStore.ts"
import * as SqliteUserStore from "../adapters/sqlite/SqliteUserStore.ts"
import type { KeyStore } from "../ports/KeyStore.ts"
import type { UserStore } from "../ports/UserStore.ts"

export interface DemoStores {
  readonly userStore: Layer.Layer<UserStore, unknown>
  readonly keyStore: Layer.Layer<KeyStore, unknown>
}

/**
 * With DATABASE_URL, PostgreSQL (migrated at start; DATABASE_POOL_MAX, DATABASE_SCHEMA and the timeouts
 * are read too). Otherwise the demo keeps users, accounts, sessions and keys across restarts with no setup:
 * an SQLite file (AUTHFX_DB_FILE, default .data/authfx.sqlite). Either way both stores share one
 * connection (pool): the same layer value is built once.
 */
export const demoStores = (
  env: Readonly<Record<string, string | undefined>>,
  secrets: ReadonlyArray<Redacted.Redacted<string>>
): DemoStores => {
  const databaseUrl = env["DATABASE_URL"]
  if (databaseUrl !== undefined && databaseUrl !== "") {
    // The demo's environment, not process.env: the variables it was started with.
    const client = PostgresClient.layerConfig().pipe(
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: env as Record<string, string> })))
    )
    const migrated = PostgresMigrations.layer.pipe(Layer.provideMerge(client))
    return {
      userStore: PostgresUserStore.layer.pipe(Layer.provide(migrated)),
      keyStore: PostgresKeyStore.layer({ secrets }).pipe(Layer.provide(migrated))
    }
  }
  const path = env["AUTHFX_DB_FILE"] ?? ".data/authfx.sqlite"
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true })
  const database = SqliteDatabase.layer({ path })
  return {
    userStore: SqliteUserStore.layer.pipe(Layer.provide(database)),
    keyStore: SqliteKeyStore.layer({ secrets }).pipe(Layer.provide(database))
  }
}
