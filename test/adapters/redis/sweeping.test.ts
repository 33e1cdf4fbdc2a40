/**
 * The sweep's conformance suite with the ledger on Redis (users in SQLite :memory:): the lock is a lease in the
 * Redis ledger, shared by the nodes, and expired ledger entries are gone without a sweep (Redis drops them).
 */
import { Effect, Layer } from "effect"
import { SqliteDatabase } from "../../../src/adapters/sqlite/SqliteDatabase.ts"
import * as SqliteUsers from "../../../src/adapters/sqlite/SqliteUsers.ts"
import * as RedisLedger from "../../../src/adapters/redis/RedisLedger.ts"
import * as LedgerLease from "../../../src/domain/ledgerLease.ts"
import { Ledger } from "../../../src/ports/Ledger.ts"
import { suite } from "../../conformance/Sweeping.ts"
import { freePort } from "../postgres/testDatabase.ts"
import { testLedger, testPrefix } from "./testRedis.ts"

const users = SqliteUsers.layer.pipe(Layer.provide(SqliteDatabase.layer({ path: ":memory:" })))
// Connected before the cases start: the leases last a few hundred milliseconds, and a first connection on a
// loaded machine can take longer than that.
const ledger = Layer.effectDiscard(Ledger.use((l) => Effect.retry(l.get(["warm-up"]), { times: 3 }))).pipe(
  Layer.provideMerge(testLedger("sweeping"))
)
const down = RedisLedger.layerUrl({ url: `redis://127.0.0.1:${await freePort()}`, keyPrefix: testPrefix("down") })
suite("redis ledger", Layer.mergeAll(users, ledger), LedgerLease.layer, {
  unavailable: LedgerLease.layer.pipe(Layer.provide(down))
})
