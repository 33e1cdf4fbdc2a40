import * as MemoryUserStore from "../../src/adapters/memory/MemoryUserStore.ts"
import { suite as userStoreSuite } from "./UserStore.ts"
userStoreSuite("memory", MemoryUserStore.layer)
