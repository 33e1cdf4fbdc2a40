/**
 * Auth.js's own adapter tests (runBasicTests) against `toAuthjsAdapter` over what `createAuth` builds and
 * `auth.runtime` hands out: the PostgreSQL store under the sealing decorator (OAuth tokens sealed at rest),
 * so Auth.js writes and reads every token field in clear while the table holds them sealed.
 */
import { Layer, Redacted } from "effect"
import * as MemoryKeyStore from "../../../src/adapters/memory/MemoryKeyStore.ts"
import * as PostgresUsers from "../../../src/adapters/postgres/PostgresUsers.ts"
import * as SealedTokensUsers from "../../../src/adapters/sealedTokens/SealedTokensUsers.ts"
import { ownDatabase } from "../postgres/ownDatabase.ts"
import { testDatabase } from "../postgres/testDatabase.ts"
import { runAuthjsAdapterSuite } from "./support/authjsAdapterSuite.ts"

const url = await ownDatabase("authfx_adaptersuite")
const secret = Redacted.make("zq3Jw5d9N2uRkV7bXcP0tLh8sYfGmE4aQ1oWnI6vTyU=")

runAuthjsAdapterSuite(
  SealedTokensUsers.layer(PostgresUsers.layer.pipe(Layer.provide(testDatabase("authjs_suite_sealed", { url, max: 4 }))))
    .pipe(Layer.provide(MemoryKeyStore.layer({ secrets: [secret] })))
)
