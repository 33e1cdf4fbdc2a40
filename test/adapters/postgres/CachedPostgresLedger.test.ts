/** The Ledger conformance suite on the cached PostgreSQL ledger: the cache must not change a single answer. */
import { Layer } from "effect"
import * as CachedPostgresLedger from "../../../src/adapters/postgres/CachedPostgresLedger.ts"
import * as PostgresChanges from "../../../src/adapters/postgres/PostgresChanges.ts"
import { suite } from "../../conformance/Ledger.ts"
import { testDatabase } from "./testDatabase.ts"

suite(
  "postgres, cached",
  CachedPostgresLedger.layer().pipe(
    Layer.provide(PostgresChanges.layer({ freshnessBound: "200 millis" })),
    Layer.provide(testDatabase("cachedledger", { max: 10 }))
  )
)
