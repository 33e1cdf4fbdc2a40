import { Layer, Redacted } from "effect"
import * as PostgresClient from "../../../src/adapters/postgres/PostgresClient.ts"
import * as PostgresKeyStore from "../../../src/adapters/postgres/PostgresKeyStore.ts"
import * as PostgresUsers from "../../../src/adapters/postgres/PostgresUsers.ts"
import { suite as keyStoreSuite } from "../../conformance/KeyStore.ts"
import { suite as usersSuite } from "../../conformance/Users.ts"
import { freePort, testDatabase } from "./testDatabase.ts"

const closedPort = await freePort()
const down = PostgresClient.layer({
  url: Redacted.make(`postgres://postgres@127.0.0.1:${closedPort}/test`),
  connectTimeout: "2 seconds",
  maxReconnectDelay: "20 millis"
})

usersSuite("postgres", PostgresUsers.layer.pipe(Layer.provide(testDatabase("conformance", { max: 10 }))), {
  // fresh: the same layer value is already built (memoised) against the live database for the suite.
  unavailable: Layer.fresh(PostgresUsers.layer.pipe(Layer.provide(down)))
})

const secret = Redacted.make("BJpokA+W7K8kCj8XSPEROdJyrtyCpthjrlqeSSvaKXNz")
const keyStore = (options: Omit<PostgresKeyStore.Options, "secrets">) =>
  PostgresKeyStore.layer({ secrets: [secret], ...options }).pipe(Layer.provide(testDatabase("keys", { max: 4 })))

keyStoreSuite("postgres, default session keys", keyStore({}))
keyStoreSuite("postgres, ES256 session keys", keyStore({ session: { alg: "ES256" } }))
