/** The Ledger conformance suite on SQLite: a file, `:memory:`, and a connection closed underneath. */
import { afterAll, assert, it } from "@effect/vitest"
import { Clock, Effect, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { open, SqliteDatabase } from "../../../src/adapters/sqlite/SqliteDatabase.ts"
import * as SqliteLedger from "../../../src/adapters/sqlite/SqliteLedger.ts"
import { Ledger } from "../../../src/ports/Ledger.ts"
import { suite } from "../../conformance/Ledger.ts"

const dir = mkdtempSync(join(tmpdir(), "authfx-sqlite-ledger-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const hour = 3_600_000
const ledgerAt = (path: string) => SqliteLedger.layer.pipe(Layer.provide(SqliteDatabase.layer({ path })))

// Every statement fails on a closed connection, and the ledger must say LedgerUnavailable rather than throw.
// Fresh, because the suite's block has already built (and memoised) `SqliteLedger.layer` over a working file.
const closedUnderneath = Layer.fresh(SqliteLedger.layer).pipe(Layer.provide(Layer.effect(
  SqliteDatabase,
  Effect.tap(open({ path: join(dir, "closed.db") }), (db) => Effect.sync(() => db.connection.close()))
)))

suite("sqlite file", ledgerAt(join(dir, "ledger.db")), { unavailable: closedUnderneath })
suite("sqlite :memory:", ledgerAt(":memory:"))

// Beyond the suite, which lets a layer leave `sync` out: this one must not (the fast path needs it).
it.effect("answers reads synchronously", () =>
  Ledger.use((ledger) => Effect.sync(() => assert.isTrue(Option.isSome(ledger.sync)))).pipe(
    Effect.provide(ledgerAt(":memory:"))
  ))

// Beyond the suite (which has no case for it yet): the live-value condition of compareAndSet's UPDATE.
it.effect("compareAndSet from a value does not match an expired entry that held it", () =>
  Effect.gen(function*() {
    const ledger = yield* Ledger
    const now = yield* Clock.currentTimeMillis
    const later = { value: "next", expiresAt: new Date(now + 3 * hour) }
    yield* ledger.set("claim", { value: "start", expiresAt: new Date(now + hour) })
    yield* TestClock.adjust(hour)
    assert.isFalse(yield* ledger.compareAndSet("claim", Option.some("start"), later))
    assert.isTrue(Option.isNone((yield* ledger.get(["claim"]))[0]!))
  }).pipe(Effect.provide(ledgerAt(":memory:"))))
