import { Layer } from "effect"
import * as MemoryLedger from "../../src/adapters/memory/MemoryLedger.ts"
import * as MemoryUsers from "../../src/adapters/memory/MemoryUsers.ts"
import * as LedgerLease from "../../src/domain/ledgerLease.ts"
import { suite as ledgerSuite } from "./Ledger.ts"
import { suite as sweepingSuite } from "./Sweeping.ts"
import { suite as usersSuite } from "./Users.ts"
usersSuite("memory", MemoryUsers.layer)
ledgerSuite("memory", MemoryLedger.layer)
sweepingSuite("memory", Layer.mergeAll(MemoryUsers.layer, MemoryLedger.layer), LedgerLease.layer)
