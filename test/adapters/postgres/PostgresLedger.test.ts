/** The Ledger conformance suite on PostgreSQL: a migrated schema of its own, and a server that is not there. */
import { Layer, Redacted } from "effect"
import * as PostgresClient from "../../../src/adapters/postgres/PostgresClient.ts"
import * as PostgresLedger from "../../../src/adapters/postgres/PostgresLedger.ts"
import { suite } from "../../conformance/Ledger.ts"
import { freePort, testDatabase } from "./testDatabase.ts"

const closedPort = await freePort()
const nobodyListening = PostgresClient.layer({
  url: Redacted.make(`postgres://postgres@127.0.0.1:${closedPort}/test`),
  connectTimeout: "2 seconds",
  maxReconnectDelay: "20 millis"
})

suite("postgres", PostgresLedger.layer.pipe(Layer.provide(testDatabase("ledger", { max: 10 }))), {
  // fresh: the same layer value is already built (memoised) against the live database for the suite.
  unavailable: Layer.fresh(PostgresLedger.layer.pipe(Layer.provide(nobodyListening)))
})
