import { Layer, type Redacted } from "effect"
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
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
 * The demo keeps users, accounts, sessions and keys across restarts with no setup: an SQLite file
 * (AUTHFX_DB_FILE, default .data/authfx.sqlite). Both stores share one connection: the same layer value
 * is built once.
 */
export const demoStores = (
  env: Readonly<Record<string, string | undefined>>,
  secrets: ReadonlyArray<Redacted.Redacted<string>>
): DemoStores => {
  const path = env["AUTHFX_DB_FILE"] ?? ".data/authfx.sqlite"
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true })
  const database = SqliteDatabase.layer({ path })
  return {
    userStore: SqliteUserStore.layer.pipe(Layer.provide(database)),
    keyStore: SqliteKeyStore.layer({ secrets }).pipe(Layer.provide(database))
  }
}
