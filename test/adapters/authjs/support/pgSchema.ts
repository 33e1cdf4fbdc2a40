/**
 * Test support for @auth/pg-adapter: a `pg` pool on a schema of its own on the shared PostgreSQL, created with
 * Auth.js's schema.sql (and, unless `stock`, authfx's constraints), dropped when the scope closes.
 */
import { Effect } from "effect"
import pg from "pg"
import { pgAdapterConstraints, pgAdapterSchema } from "../../../../src/adapters/authjs/authjsSchemas.ts"
import { databaseUrl, randomSchema } from "../../postgres/testDatabase.ts"

export const pgPool = (schema: string, options: { readonly url?: string; readonly max?: number } = {}) =>
  new pg.Pool({
    connectionString: options.url ?? databaseUrl,
    max: options.max ?? 10,
    connectionTimeoutMillis: 3_000,
    options: `-c search_path=${schema}`
  })

export const pgSchema = (label: string, variant: "hardened" | "stock" = "hardened") =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const schema = randomSchema(`authjs_${label}`)
      const admin = new pg.Client({ connectionString: databaseUrl })
      await admin.connect()
      try {
        await admin.query(`CREATE SCHEMA ${schema}`)
      } finally {
        await admin.end()
      }
      const pool = pgPool(schema)
      const statements = variant === "stock" ? pgAdapterSchema : [...pgAdapterSchema, ...pgAdapterConstraints]
      for (const statement of statements) await pool.query(statement)
      return { schema, pool }
    }),
    ({ pool, schema }) =>
      Effect.promise(async () => {
        await pool.end()
        const admin = new pg.Client({ connectionString: databaseUrl })
        await admin.connect()
        try {
          await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
        } finally {
          await admin.end()
        }
      })
  )
