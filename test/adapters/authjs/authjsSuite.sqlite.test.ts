/** Auth.js's own adapter tests (runBasicTests) against `toAuthjsAdapter` over the SQLite store, on a file. */
import { Layer } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import { SqliteDatabase } from "../../../src/adapters/sqlite/SqliteDatabase.ts"
import * as SqliteUsers from "../../../src/adapters/sqlite/SqliteUsers.ts"
import { runAuthjsAdapterSuite } from "./support/authjsAdapterSuite.ts"

const dir = mkdtempSync(join(tmpdir(), "authfx-authjs-suite-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

runAuthjsAdapterSuite(SqliteUsers.layer.pipe(Layer.provide(SqliteDatabase.layer({ path: join(dir, "users.db") }))))
