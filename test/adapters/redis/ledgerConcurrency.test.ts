/** The two-node races (test/conformance/LedgerTwoNodes.ts) on Redis: two ledgers, each with its own client, under one key prefix. */
import { Context, Effect, Layer } from "effect"
import * as RedisLedger from "../../../src/adapters/redis/RedisLedger.ts"
import { Ledger } from "../../../src/ports/Ledger.ts"
import { twoNodeSuite } from "../../conformance/LedgerTwoNodes.ts"
import { deleteKeys, patient, redisUrl, testPrefix } from "./testRedis.ts"

twoNodeSuite("RedisLedger", (label) =>
  Effect.gen(function*() {
    const keyPrefix = testPrefix(label)
    yield* Effect.addFinalizer(() => deleteKeys(keyPrefix))
    // fresh: each node builds a client of its own.
    const node = Effect.map(
      Layer.build(Layer.fresh(RedisLedger.layerUrl({ url: redisUrl, keyPrefix, timeout: patient }))),
      (context) => Context.get(context, Ledger)
    )
    return { nodes: [yield* node, yield* node] as const }
  }))
