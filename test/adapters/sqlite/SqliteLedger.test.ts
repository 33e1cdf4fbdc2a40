/** The Ledger conformance suite on SQLite: a file, `:memory:`, and a connection closed underneath. */
import { afterAll } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { open, SqliteDatabase } from "../../../src/adapters/sqlite/SqliteDatabase.ts"
import * as SqliteLedger from "../../../src/adapters/sqlite/SqliteLedger.ts"
import { suite } from "../../conformance/Ledger.ts"

const dir = mkdtempSync(join(tmpdir(), "authfx-sqlite-ledger-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const ledgerAt = (path: string) => SqliteLedger.layer.pipe(Layer.provide(SqliteDatabase.layer({ path })))

// Every statement fails on a closed connection, and the ledger must say LedgerUnavailable rather than throw.
// Fresh, because the suite's block has already built (and memoised) `SqliteLedger.layer` over a working file.
const closedUnderneath = Layer.fresh(SqliteLedger.layer).pipe(Layer.provide(Layer.effect(
  SqliteDatabase,
  Effect.tap(open({ path: join(dir, "closed.db") }), (db) => Effect.sync(() => db.connection.close()))
)))

suite("sqlite file", ledgerAt(join(dir, "ledger.db")), { unavailable: closedUnderneath })
suite("sqlite :memory:", ledgerAt(":memory:"))
