import * as MemoryLedger from "../../src/adapters/memory/MemoryLedger.ts"
import * as MemoryUsers from "../../src/adapters/memory/MemoryUsers.ts"
import { suite as ledgerSuite } from "./Ledger.ts"
import { suite as usersSuite } from "./Users.ts"
usersSuite("memory", MemoryUsers.layer)
ledgerSuite("memory", MemoryLedger.layer)
