/**
 * Test support for the Kysely adapter on MariaDB (127.0.0.1:3306, root without password unless
 * AUTHFX_TEST_MYSQL_URL says otherwise): every test file works in a database of its own, created with the
 * Kysely adapter's tables at the start and dropped at the end.
 */
import { type Database, KyselyAdapter } from "@auth/kysely-adapter"
import { Effect } from "effect"
import { Kysely, MysqlDialect } from "kysely"
import { createConnection, createPool, type Pool } from "mysql2"
import { kyselyMysqlSchema } from "../../../../src/adapters/authjs/authjsSchemas.ts"

export const serverUrl = process.env["AUTHFX_TEST_MYSQL_URL"] ?? "mysql://root@127.0.0.1:3306"

const hex = (bytes: number) => Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(bytes))).toString("hex")

export const randomDatabase = (label: string): string => `authfx_test_${label}_${hex(5)}`

/** Runs statements on one connection (no database selected unless `database`), then closes it. */
export const runStatements = async (statements: ReadonlyArray<string>, database?: string): Promise<void> => {
  const connection = createConnection({ uri: serverUrl, ...(database === undefined ? {} : { database }) }).promise()
  try {
    for (const statement of statements) await connection.query(statement)
  } finally {
    await connection.end()
  }
}

/** A mysql2 pool as the Kysely dialect wants it. UTC both ways, so DATETIME round-trips whatever TZ says. */
export const pool = (database: string, options: { readonly url?: string; readonly connectTimeout?: number } = {}): Pool =>
  createPool({
    uri: options.url ?? serverUrl,
    database,
    timezone: "Z",
    connectionLimit: 10,
    connectTimeout: options.connectTimeout ?? 5_000
  })

export const kyselyOn = (pool: Pool) => new Kysely<Database>({ dialect: new MysqlDialect({ pool }) })

export const adapterOn = (db: Kysely<Database>) => KyselyAdapter(db)

/** A database with the Kysely adapter's tables, dropped when the scope closes. */
export const kyselyDatabase = (label: string) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const name = randomDatabase(label)
      await runStatements([`CREATE DATABASE \`${name}\``])
      await runStatements(kyselyMysqlSchema, name)
      const db = kyselyOn(pool(name))
      return { name, db }
    }),
    ({ name, db }) =>
      Effect.promise(async () => {
        await db.destroy()
        await runStatements([`DROP DATABASE IF EXISTS \`${name}\``])
      })
  )
