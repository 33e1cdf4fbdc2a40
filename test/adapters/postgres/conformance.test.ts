import { Effect, Layer, Option, Redacted } from "effect"
import * as PostgresClient from "../../../src/adapters/postgres/PostgresClient.ts"
import * as PostgresKeyStore from "../../../src/adapters/postgres/PostgresKeyStore.ts"
import * as PostgresUsers from "../../../src/adapters/postgres/PostgresUsers.ts"
import * as CachedPostgresUsers from "../../../src/adapters/postgres/CachedPostgresUsers.ts"
import * as PostgresChanges from "../../../src/adapters/postgres/PostgresChanges.ts"
import { type SealedStorage, suite as keyStoreSuite } from "../../conformance/KeyStore.ts"
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
const previousSecret = Redacted.make("X6oOqTN04DsDrK27RYCrSs2K67G63kF2dn5c+3idjEjV")

/** The store and its database, with the hooks of the conformance suite's sealed-storage cases. */
const keyStore = (name: string, options: PostgresKeyStore.Options) => {
  const storage: SealedStorage<PostgresClient.PostgresClient> = {
    secrets: options.secrets,
    sealedOf: (key) =>
      PostgresClient.PostgresClient.use((client) =>
        Effect.promise(() => client.sql`SELECT material FROM authfx_keys WHERE kid = ${key.kid} AND purpose = ${key.purpose}`)
      ).pipe(Effect.map((rows) => {
        const material = rows[0]?.["material"]
        return material instanceof Uint8Array ? Option.some(material) : Option.none()
      })),
    insert: (key, sealed) =>
      PostgresClient.PostgresClient.use((client) =>
        Effect.promise(() =>
          client.sql`
            INSERT INTO authfx_keys (kid, purpose, alg, enc, material, created_at, retires_at)
            VALUES (${key.kid}, ${key.purpose}, ${key.alg}, ${key.enc}, ${sealed}, ${key.createdAt}, ${key.retiresAt})`
        )
      )
  }
  const layer = PostgresKeyStore.layer(options).pipe(Layer.provideMerge(testDatabase("keys", { max: 4 })))
  keyStoreSuite(name, layer, storage)
}

keyStore("postgres, default session keys", { secrets: [secret] })
keyStore("postgres, default session keys and a previous secret", { secrets: [secret, previousSecret] })
keyStore("postgres, ES256 session keys", { secrets: [secret], session: { alg: "ES256" } })

usersSuite(
  "postgres, cached",
  CachedPostgresUsers.layer().pipe(
    Layer.provide(PostgresChanges.layer({ freshnessBound: "200 millis" })),
    Layer.provide(testDatabase("cachedusers", { max: 10 }))
  )
)
