/**
 * Test support for the PostgreSQL adapters: every test file works in schemas of its own on the shared
 * server (127.0.0.1:5432 unless AUTHFX_TEST_DATABASE_URL says otherwise), created and migrated at the
 * start, dropped at the end, so files can run in parallel and leave nothing behind.
 */
import { Effect, Layer, Redacted, Scope } from "effect"
import { createServer } from "node:net"
import * as PostgresMigrations from "../../../src/adapters/postgres/migrate.ts"
import * as PostgresClient from "../../../src/adapters/postgres/PostgresClient.ts"

export const databaseUrl = process.env["AUTHFX_TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test"

const hex = (bytes: number) => Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(bytes))).toString("hex")

export const randomSchema = (label: string): string => `authfx_test_${label}_${hex(5)}`

export type ClientOptions = Omit<PostgresClient.Options, "url" | "schema"> & { readonly url?: string }

/** A pool on `schema` (which may not exist yet), closed with the scope. */
export const client = (schema: string, options: ClientOptions = {}) =>
  PostgresClient.make({ connectTimeout: "5 seconds", ...options, url: Redacted.make(options.url ?? databaseUrl), schema })
    .pipe(Effect.orDie)

export const dropSchema = (url: string, schema: string) =>
  Effect.scoped(Effect.flatMap(client(schema, { url, max: 1 }), ({ sql }) =>
    Effect.promise(() => sql.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`))))

/** A new migrated schema, dropped when the scope closes. */
export const migratedSchema = (label: string, url: string = databaseUrl): Effect.Effect<string, never, Scope.Scope> =>
  Effect.gen(function*() {
    const schema = randomSchema(label)
    yield* Effect.acquireRelease(
      Effect.scoped(Effect.flatMap(client(schema, { url, max: 1 }), (c) =>
        PostgresMigrations.migrate.pipe(Effect.provideService(PostgresClient.PostgresClient, c), Effect.orDie))),
      () => Effect.orDie(dropSchema(url, schema))
    )
    return schema
  })

/** The PostgresClient service on a fresh migrated schema of its own. */
export const testDatabase = (label: string, options: ClientOptions = {}): Layer.Layer<PostgresClient.PostgresClient> =>
  Layer.effect(
    PostgresClient.PostgresClient,
    Effect.flatMap(migratedSchema(label, options.url), (schema) => client(schema, { applicationName: schema, ...options }))
  )

/** A TCP port on 127.0.0.1 where nothing listens (it was free a moment ago). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
