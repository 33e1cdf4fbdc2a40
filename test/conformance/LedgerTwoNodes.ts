/**
 * The Ledger's atomic primitives raced by two ledgers over one store, standing in for two nodes of a fleet:
 * what the conformance suite checks within one connection (pool, client), here across connections that only
 * the store orders. Every shared ledger (PostgreSQL, Redis) runs it.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Option, type Scope } from "effect"
import type { Ledger } from "../../src/ports/Ledger.ts"

const hour = 3_600_000
export const newKey = (label: string) => `race:${label}:${crypto.randomUUID()}`

export type Nodes = readonly [Ledger["Service"], Ledger["Service"]]

/** `count` calls of `f`, alternating between the two nodes, all at once. */
export const race = <A, E>(nodes: Nodes, count: number, f: (ledger: Ledger["Service"], i: number) => Effect.Effect<A, E>) =>
  Effect.all(Array.from({ length: count }, (_, i) => f(nodes[i % 2]!, i)), { concurrency: "unbounded" })

export interface TwoNodes {
  readonly nodes: Nodes
  /** Run after the compare-and-set races: that they really ran side by side (say, over several connections). */
  readonly sideBySide?: Effect.Effect<void>
}

/** `twoNodes(label)` makes two ledgers over one fresh store (or one fresh key space), released with the scope. */
export const twoNodeSuite = (name: string, twoNodes: (label: string) => Effect.Effect<TwoNodes, unknown, Scope.Scope>): void => {
  describe(`${name} on two nodes`, () => {
    it.live("compare-and-set from absent, from an expired entry and from a value: exactly one wins, 10 times each; none from an expired value", () =>
      Effect.gen(function*() {
        const { nodes, sideBySide } = yield* twoNodes("ledger_cas")
        const [a, b] = nodes
        const now = yield* Clock.currentTimeMillis
        const starts: ReadonlyArray<readonly [string, (key: string) => Effect.Effect<void, unknown>, Option.Option<string>]> = [
          ["absent", () => Effect.void, Option.none()],
          ["expired", (key) => a.set(key, { value: "old", expiresAt: new Date(now - hour) }), Option.none()],
          ["value", (key) => a.set(key, { value: "start", expiresAt: new Date(now + hour) }), Option.some("start")]
        ]
        for (const [label, prepare, expected] of starts) {
          for (let round = 0; round < 10; round++) {
            const key = newKey(label)
            yield* prepare(key)
            const won = yield* race(nodes, 20, (ledger, i) =>
              ledger.compareAndSet(key, expected, { value: `claim-${i}`, expiresAt: new Date(now + hour) }))
            assert.strictEqual(won.filter(Boolean).length, 1, `${label}, round ${round}`)
            const stored = Option.getOrThrow((yield* b.get([key]))[0]!)
            assert.strictEqual(stored.value, `claim-${won.indexOf(true)}`)
          }
        }
        // An expired entry is absent, also to a compare-and-set that expects the value it held: nobody wins.
        const expired = newKey("expired-value")
        yield* a.set(expired, { value: "start", expiresAt: new Date(now - hour) })
        const won = yield* race(nodes, 20, (ledger, i) =>
          ledger.compareAndSet(expired, Option.some("start"), { value: `claim-${i}`, expiresAt: new Date(now + hour) }))
        assert.strictEqual(won.filter(Boolean).length, 0)
        assert.isTrue(Option.isNone((yield* b.get([expired]))[0]!))
        if (sideBySide !== undefined) yield* sideBySide
      }).pipe(Effect.scoped))

    it.live("increments from both nodes, on a new counter and on an expired one: none lost, one restart", () =>
      Effect.gen(function*() {
        const { nodes } = yield* twoNodes("ledger_increment")
        const [a, b] = nodes
        const now = yield* Clock.currentTimeMillis
        const window = new Date(now + hour)
        for (const stale of [false, true]) {
          const key = newKey(stale ? "expired" : "new")
          if (stale) yield* a.set(key, { value: "999", expiresAt: new Date(now - hour) })
          const counts = yield* race(nodes, 200, (ledger) => ledger.increment(key, 1, window))
          expect(counts.map((c) => c.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1))
          for (const c of counts) assert.deepStrictEqual(c.expiresAt, window)
          assert.strictEqual(Option.getOrThrow((yield* b.get([key]))[0]!).value, "200")
        }
      }).pipe(Effect.scoped))

    it.live("a claim taken on one node, released on the other by its holder only, then taken again", () =>
      Effect.gen(function*() {
        const { nodes } = yield* twoNodes("ledger_release")
        const [a, b] = nodes
        const now = yield* Clock.currentTimeMillis
        const key = newKey("claim")
        assert.isTrue(yield* a.compareAndSet(key, Option.none(), { value: "a", expiresAt: new Date(now + hour) }))
        assert.isFalse(yield* b.deleteIf(key, "b"))
        const released = yield* race(nodes, 10, (ledger) => ledger.deleteIf(key, "a"))
        assert.strictEqual(released.filter(Boolean).length, 1)
        assert.isTrue(yield* b.compareAndSet(key, Option.none(), { value: "b", expiresAt: new Date(now + hour) }))
      }).pipe(Effect.scoped))
  })
}
