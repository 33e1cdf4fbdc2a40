/**
 * Migration authfx_revocations_in_ledger: a database whose users signed out (everywhere, or of one provider)
 * before the upgrade keeps those sessions revoked after it.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as PostgresMigrations from "../../../src/adapters/postgres/migrate.ts"
import { PostgresClient } from "../../../src/adapters/postgres/PostgresClient.ts"
import * as PostgresLedger from "../../../src/adapters/postgres/PostgresLedger.ts"
import type { ProviderId } from "../../../src/domain/Account.ts"
import { isTokenRevoked } from "../../../src/domain/revocation.ts"
import type { UserId } from "../../../src/domain/User.ts"
import { Ledger } from "../../../src/ports/Ledger.ts"
import { client, databaseUrl, dropSchema, randomSchema } from "./testDatabase.ts"

const hour = 3_600_000
const github = "github" as ProviderId

describe("PostgreSQL: revocations move into the ledger", () => {
  it.live("every revocation in force before the migration still revokes after it; the old tables and claim columns go", () =>
    Effect.gen(function*() {
      const schema = yield* Effect.acquireRelease(
        Effect.sync(() => randomSchema("revocations")),
        (name) => Effect.orDie(dropSchema(databaseUrl, name))
      )
      const c = yield* client(schema, { max: 1 })
      const files = yield* Effect.orDie(PostgresMigrations.migrations)
      const move = files.find((file) => file.name.endsWith("_authfx_revocations_in_ledger.sql"))!
      const now = Date.now()
      yield* Effect.promise(async () => {
        await c.sql.unsafe(`CREATE SCHEMA ${schema}`)
        await c.sql`
          CREATE TABLE authfx_migrations (
            version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
          )`
        for (const file of files.filter((f) => f.version < move.version)) {
          await c.sql.unsafe(file.sql)
          await c.sql`INSERT INTO authfx_migrations (version, name, checksum) VALUES (${file.version}, ${file.name}, ${file.checksum})`
        }
        await c.sql`INSERT INTO authfx_revoked_tokens (jti, until) VALUES ('jti-AbC_12-x', ${new Date(now + hour)})`
        await c.sql`
          INSERT INTO authfx_revoked_users (user_id, issued_before, until) VALUES ('41', ${new Date(now - 1_000)}, ${new Date(now + hour)})`
        await c.sql`
          INSERT INTO authfx_revoked_user_providers (user_id, provider, issued_before, until)
          VALUES ('42', 'github', ${new Date(now - 1_000)}, ${new Date(now + hour)})`
      })
      const { applied } = yield* Effect.orDie(PostgresMigrations.migrate.pipe(Effect.provideService(PostgresClient, c)))
      assert.include(applied, move.name)

      const ledger = PostgresLedger.make(yield* client(schema, { max: 2 }))
      const revoked = (jti: string, userId: string, issuedAt: number, via: ProviderId | null = null) =>
        isTokenRevoked({ jti, userId: userId as UserId, issuedAt: new Date(issuedAt), via }).pipe(
          Effect.provideService(Ledger, ledger)
        )
      assert.isTrue(yield* revoked("jti-AbC_12-x", "40", now - hour), "a signed-out session id")
      assert.isTrue(yield* revoked(`jti-${crypto.randomUUID()}`, "41", now - 2_000), "signed out everywhere")
      assert.isFalse(yield* revoked(`jti-${crypto.randomUUID()}`, "41", now), "a later session")
      assert.isTrue(yield* revoked(`jti-${crypto.randomUUID()}`, "42", now - 2_000, github), "an unlinked provider's")
      assert.isFalse(yield* revoked(`jti-${crypto.randomUUID()}`, "42", now - 2_000), "another sign-in method's")

      const left = yield* Effect.promise(() =>
        c.sql`
          SELECT
            (SELECT count(*) FROM information_schema.tables WHERE table_schema = ${schema} AND table_name LIKE 'authfx_revoked%')::int AS tables,
            (SELECT count(*) FROM information_schema.columns
              WHERE table_schema = ${schema} AND table_name = 'accounts' AND column_name LIKE 'refresh_claim%')::int AS columns`
      )
      assert.deepStrictEqual({ ...left[0] }, { tables: 0, columns: 0 })
    }).pipe(Effect.scoped))
})
