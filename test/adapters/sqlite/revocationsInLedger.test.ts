/**
 * The SQLite step that moves revocations into the ledger: a file whose users signed out (and signed out
 * everywhere, and unlinked a provider) before the upgrade keeps those sessions revoked after it.
 */
import { afterAll, assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { migrations } from "../../../src/adapters/sqlite/schema.ts"
import { SqliteDatabase } from "../../../src/adapters/sqlite/SqliteDatabase.ts"
import * as SqliteLedger from "../../../src/adapters/sqlite/SqliteLedger.ts"
import type { ProviderId } from "../../../src/domain/Account.ts"
import { isTokenRevoked } from "../../../src/domain/revocation.ts"
import type { UserId } from "../../../src/domain/User.ts"

const dir = mkdtempSync(join(tmpdir(), "authfx-sqlite-revocations-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const hour = 3_600_000
const github = "github" as ProviderId

describe("SQLite: revocations move into the ledger", () => {
  it.live("every revocation in force before the step still revokes after it; the old tables and claim columns go", () =>
    Effect.gen(function*() {
      const path = join(dir, "before.db")
      const raw = new DatabaseSync(path)
      const ledgerStep = migrations.findIndex((sql) => sql.includes("CREATE TABLE ledger"))
      for (const sql of migrations.slice(0, ledgerStep + 1)) raw.exec(sql)
      raw.exec(`PRAGMA user_version = ${ledgerStep + 1}`)
      const now = Date.now()
      const [signedOut, everywhere, unlinked] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()]
      raw.prepare("INSERT INTO revoked_token_ids (jti, until) VALUES (?, ?)").run("jti-AbC_12-x", now + hour)
      raw.prepare("INSERT INTO revoked_user_tokens (user_id, issued_at_or_before, until) VALUES (?, ?, ?)")
        .run(everywhere, now - 1_000, now + hour)
      raw.prepare("INSERT INTO revoked_user_via_tokens (user_id, via, issued_at_or_before, until) VALUES (?, ?, ?, ?)")
        .run(unlinked, github, now - 1_000, now + hour)
      raw.close()

      const database = SqliteDatabase.layer({ path })
      const revoked = (jti: string, userId: string, issuedAt: number, via: ProviderId | null = null) =>
        isTokenRevoked({ jti, userId: userId as UserId, issuedAt: new Date(issuedAt), via }).pipe(
          Effect.provide(SqliteLedger.layer.pipe(Layer.provide(database)))
        )
      assert.isTrue(yield* revoked("jti-AbC_12-x", signedOut, now - hour), "a signed-out session id")
      assert.isTrue(yield* revoked(`jti-${crypto.randomUUID()}`, everywhere, now - 2_000), "signed out everywhere")
      assert.isFalse(yield* revoked(`jti-${crypto.randomUUID()}`, everywhere, now), "a later session")
      assert.isTrue(yield* revoked(`jti-${crypto.randomUUID()}`, unlinked, now - 2_000, github), "an unlinked provider's")
      assert.isFalse(yield* revoked(`jti-${crypto.randomUUID()}`, unlinked, now - 2_000), "another sign-in method's")

      const after = new DatabaseSync(path, { readOnly: true })
      const names = after.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all().map((row) => row["name"])
      const accountColumns = after.prepare("PRAGMA table_info(accounts)").all().map((row) => row["name"])
      after.close()
      assert.notIncludeMembers(names, ["revoked_token_ids", "revoked_user_tokens", "revoked_user_via_tokens"])
      assert.notIncludeMembers(accountColumns, ["refresh_holder", "refresh_until"])
    }))
})
