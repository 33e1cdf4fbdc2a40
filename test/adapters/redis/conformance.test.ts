/** The Ledger conformance suite on Redis: the shared test Redis under a prefix of its own, and a port nobody listens on. */
import * as RedisLedger from "../../../src/adapters/redis/RedisLedger.ts"
import { suite } from "../../conformance/Ledger.ts"
import { freePort } from "../postgres/testDatabase.ts"
import { testLedger, testPrefix } from "./testRedis.ts"

suite("redis", testLedger("conformance"), {
  expiresItself: true,
  unavailable: RedisLedger.layerUrl({ url: `redis://127.0.0.1:${await freePort()}`, keyPrefix: testPrefix("down") })
})
