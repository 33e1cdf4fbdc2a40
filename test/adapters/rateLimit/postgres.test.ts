/** The RateLimiterStore suite on the ledger store over PostgreSQL, and over a server that is not there. */
import { Layer } from "effect"
import * as LedgerRateLimiterStore from "../../../src/adapters/ledger/LedgerRateLimiterStore.ts"
import { PostgresClient } from "../../../src/adapters/postgres/PostgresClient.ts"
import * as PostgresLedger from "../../../src/adapters/postgres/PostgresLedger.ts"
import { suite } from "../../conformance/RateLimiterStore.ts"
import { client, freePort, testDatabase } from "../postgres/testDatabase.ts"

const nobodyListening = Layer.effect(
  PostgresClient,
  client("ratelimit_down", { url: `postgres://postgres@127.0.0.1:${await freePort()}/test`, maxReconnectDelay: "20 millis" })
)

suite("ledger on postgres", LedgerRateLimiterStore.layer.pipe(Layer.provide(PostgresLedger.layer), Layer.provide(testDatabase("ratelimit", { max: 10 }))), {
  unavailable: LedgerRateLimiterStore.layer.pipe(Layer.provide(PostgresLedger.layer), Layer.provide(nobodyListening))
})
