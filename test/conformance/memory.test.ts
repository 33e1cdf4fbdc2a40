import * as MemoryLedger from "../../src/adapters/memory/MemoryLedger.ts"
import * as MemoryUserStore from "../../src/adapters/memory/MemoryUserStore.ts"
import { suite as ledgerSuite } from "./Ledger.ts"
import { suite as userStoreSuite } from "./UserStore.ts"
userStoreSuite("memory", MemoryUserStore.layer)
ledgerSuite("memory", MemoryLedger.layer)
