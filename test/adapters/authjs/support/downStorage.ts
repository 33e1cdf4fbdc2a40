/**
 * Storage that is down: every call rejects as a network client's would. For the ledger (and for the unstorage
 * adapter, through an unstorage driver) in the "infrastructure failure" cases.
 */
import { createStorage, defineDriver } from "unstorage"
import type { LedgerStorage } from "../../../../src/adapters/authjs/AuthjsLedger.ts"

const refused = () => Promise.reject(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6379"), { code: "ECONNREFUSED" }))

export const downLedgerStorage: LedgerStorage = { getItem: refused, setItem: refused, removeItem: refused }

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
