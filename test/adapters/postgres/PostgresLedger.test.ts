/** The Ledger conformance suite on PostgreSQL: a migrated schema of its own, and a server that is not there. */
import { Layer } from "effect"
import { PostgresClient } from "../../../src/adapters/postgres/PostgresClient.ts"
import * as PostgresLedger from "../../../src/adapters/postgres/PostgresLedger.ts"
import { suite } from "../../conformance/Ledger.ts"
import { client, freePort, testDatabase } from "./testDatabase.ts"

const nobodyListening = Layer.effect(
  PostgresClient,
  client("ledger_down", { url: `postgres://postgres@127.0.0.1:${await freePort()}/test`, maxReconnectDelay: "20 millis" })
)

suite("postgres", PostgresLedger.layer.pipe(Layer.provide(testDatabase("ledger", { max: 10 }))), {
  // fresh: the same layer value is already built (memoised) against the live database for the suite.
  unavailable: Layer.fresh(PostgresLedger.layer.pipe(Layer.provide(nobodyListening)))
})
