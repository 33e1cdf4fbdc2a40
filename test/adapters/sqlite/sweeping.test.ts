/** The sweep's conformance suite on SQLite: one database file, its lock a lease in the SQLite ledger. */
import { Layer } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SqliteDatabase } from "../../../src/adapters/sqlite/SqliteDatabase.ts"
import * as SqliteLedger from "../../../src/adapters/sqlite/SqliteLedger.ts"
import * as SqliteUsers from "../../../src/adapters/sqlite/SqliteUsers.ts"
import * as LedgerLease from "../../../src/domain/ledgerLease.ts"
import { suite } from "../../conformance/Sweeping.ts"

const database = SqliteDatabase.layer({ path: join(mkdtempSync(join(tmpdir(), "authfx-sweep-")), "sweep.db") })
suite("sqlite", Layer.mergeAll(SqliteUsers.layer, SqliteLedger.layer).pipe(Layer.provide(database)), LedgerLease.layer)
