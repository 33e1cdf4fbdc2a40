/** Auth.js's own adapter tests (runBasicTests) against `toAuthjsAdapter` over the memory store. */
import * as MemoryUsers from "../../../src/adapters/memory/MemoryUsers.ts"
import { runAuthjsAdapterSuite } from "./support/authjsAdapterSuite.ts"

runAuthjsAdapterSuite(MemoryUsers.layer)
