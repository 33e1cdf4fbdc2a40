/**
 * The sweep's conformance suite on the Auth.js bridge (over @auth/unstorage-adapter's memory driver, its indexes
 * and lock in the memory Ledger). An Auth.js adapter cannot find expired sessions or tokens, so the sweep there
 * is the ledger's; the bridge deletes an expired session when it is read, as Auth.js does.
 */
import { UnstorageAdapter } from "@auth/unstorage-adapter"
import { Layer } from "effect"
import { createStorage } from "unstorage"
import * as AuthjsUsers from "../../../src/adapters/authjs/AuthjsUsers.ts"
import * as MemoryLedger from "../../../src/adapters/memory/MemoryLedger.ts"
import * as LedgerLease from "../../../src/domain/ledgerLease.ts"
import { suite } from "../../conformance/Sweeping.ts"
import { downLedger } from "./support/downStorage.ts"

const stores = AuthjsUsers.layer(UnstorageAdapter(createStorage())).pipe(Layer.provideMerge(MemoryLedger.layer))
suite("Auth.js bridge over @auth/unstorage-adapter", stores, LedgerLease.layer, {
  sweepsUsers: false,
  unavailable: LedgerLease.layer.pipe(Layer.provide(downLedger))
})
