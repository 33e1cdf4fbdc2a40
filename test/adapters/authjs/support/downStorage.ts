/**
 * Backends that are down, for the "infrastructure failure" cases: unstorage storage whose every call rejects as
 * a network client's would (for the unstorage adapter), and the PostgreSQL ledger at a port where nothing listens.
 */
import { Layer } from "effect"
import { createStorage, defineDriver } from "unstorage"
import { PostgresClient } from "../../../../src/adapters/postgres/PostgresClient.ts"
import * as PostgresLedger from "../../../../src/adapters/postgres/PostgresLedger.ts"
import { client, freePort } from "../../postgres/testDatabase.ts"

const refused = () => Promise.reject(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6379"), { code: "ECONNREFUSED" }))

const downDriver = defineDriver(() => ({
  name: "down",
  hasItem: refused,
  getItem: refused,
  setItem: refused,
  removeItem: refused,
  getKeys: refused,
  clear: refused
}))

export const downUnstorage = () => createStorage({ driver: downDriver({}) })

/** Fresh each time it is built, so a suite that memoises the working ledger layer still gets this one. */
export const downLedger = Layer.fresh(PostgresLedger.layer.pipe(Layer.provide(Layer.effect(
  PostgresClient,
  client("authjs_ledger_down", { url: `postgres://postgres@127.0.0.1:${await freePort()}/test`, maxReconnectDelay: "20 millis" })
))))
