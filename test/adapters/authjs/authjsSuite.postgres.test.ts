/**
 * Auth.js's own adapter tests (runBasicTests) against `toAuthjsAdapter` over the PostgreSQL store, in a fresh
 * migrated schema of the database `authfx_adaptersuite`.
 */
import { Layer } from "effect"
import * as PostgresUsers from "../../../src/adapters/postgres/PostgresUsers.ts"
import { ownDatabase } from "../postgres/ownDatabase.ts"
import { testDatabase } from "../postgres/testDatabase.ts"
import { runAuthjsAdapterSuite } from "./support/authjsAdapterSuite.ts"

const url = await ownDatabase("authfx_adaptersuite")

runAuthjsAdapterSuite(PostgresUsers.layer.pipe(Layer.provide(testDatabase("authjs_suite", { url, max: 4 }))))
