/**
 * The revocation rule (src/domain/revocation.ts), over the memory ledger: what each revocation covers, that a
 * later one widens an earlier one, and that concurrent revocations of one scope all count. The ledger's
 * primitives have their own conformance suite, run on every ledger.
 */
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import * as MemoryLedger from "../../src/adapters/memory/MemoryLedger.ts"
import type { ProviderId } from "../../src/domain/Account.ts"
import {
  covers,
  isTokenRevoked,
  revokeTokenId,
  revokeUserTokens,
  type TokenIdentity
} from "../../src/domain/revocation.ts"
import type { UserId } from "../../src/domain/User.ts"
import type { Ledger } from "../../src/ports/Ledger.ts"
import { interleavedLedger } from "../support/interleaved.ts"

const second = 1_000
const hour = 3_600 * second
const github = "github" as ProviderId
const google = "google" as ProviderId
const uuid = () => crypto.randomUUID()
const user = () => uuid() as UserId
const identity = (userId: UserId, issuedAt: number, via: ProviderId | null = null, jti = `jti-${uuid()}`): TokenIdentity => ({
  jti,
  userId,
  issuedAt: new Date(issuedAt),
  via
})
const withLedger = <A, E>(program: Effect.Effect<A, E, Ledger>) => Effect.provide(program, MemoryLedger.layer)
/** Every ledger call yields to the scheduler a seeded number of times, so concurrent fibers really race. */
const withRacingLedger = <A, E>(program: Effect.Effect<A, E, Ledger>, seed: number) =>
  Effect.provide(program, interleavedLedger(seed).pipe(Layer.provide(MemoryLedger.layer)))

describe("covers: a revocation covers a token while it lasts, and only tokens issued until its `before`", () => {
  it.each([
    ["issued before, revocation live", { before: 100, until: 200 }, 50, 150, true],
    ["issued exactly at `before`", { before: 100, until: 200 }, 100, 150, true],
    ["issued after `before`", { before: 100, until: 200 }, 101, 150, false],
    ["revocation over (until = now)", { before: 100, until: 200 }, 50, 200, false],
    ["revocation over (until < now)", { before: 100, until: 200 }, 50, 250, false]
  ] as const)("%s", (_name, revocation, issuedAt, now, expected) => {
    assert.strictEqual(covers(revocation, issuedAt, now), expected)
  })
})

describe("revocations over the ledger", () => {
  it.effect("a revoked token id is revoked until its time, whenever the token was issued; other ids are not", () =>
    withLedger(Effect.gen(function*() {
      const t = yield* Clock.currentTimeMillis
      const token = identity(user(), t - hour)
      yield* revokeTokenId(token.jti, new Date(t + hour))
      assert.isTrue(yield* isTokenRevoked(token))
      assert.isTrue(yield* isTokenRevoked({ ...token, issuedAt: new Date(t + hour / 2) }))
      assert.isFalse(yield* isTokenRevoked(identity(token.userId, t - hour)))
      yield* TestClock.adjust(hour)
      assert.isFalse(yield* isTokenRevoked(token), "over at its until")
    })))

  it.effect("a revocation already over is not kept", () =>
    withLedger(Effect.gen(function*() {
      const t = yield* Clock.currentTimeMillis
      const id = user()
      const token = identity(id, t - hour)
      yield* revokeTokenId(token.jti, new Date(t - second))
      yield* revokeUserTokens(id, new Date(t), new Date(t - second))
      assert.isFalse(yield* isTokenRevoked(token))
    })))

  it.effect("revokeUserTokens covers every token of the user issued until `before`, whatever its via", () =>
    withLedger(Effect.gen(function*() {
      const t = yield* Clock.currentTimeMillis
      const [id, other] = [user(), user()]
      yield* revokeUserTokens(id, new Date(t), new Date(t + hour))
      assert.isTrue(yield* isTokenRevoked(identity(id, t - second)))
      assert.isTrue(yield* isTokenRevoked(identity(id, t)))
      assert.isTrue(yield* isTokenRevoked(identity(id, t - second, github)))
      assert.isFalse(yield* isTokenRevoked(identity(id, t + second)))
      assert.isFalse(yield* isTokenRevoked(identity(other, t - second)))
    })))

  it.effect("with via, only the user's tokens signed in with that provider", () =>
    withLedger(Effect.gen(function*() {
      const t = yield* Clock.currentTimeMillis
      const [id, other] = [user(), user()]
      yield* revokeUserTokens(id, new Date(t), new Date(t + hour), github)
      assert.isTrue(yield* isTokenRevoked(identity(id, t - second, github)))
      assert.isFalse(yield* isTokenRevoked(identity(id, t + second, github)))
      assert.isFalse(yield* isTokenRevoked(identity(id, t - second, google)))
      assert.isFalse(yield* isTokenRevoked(identity(id, t - second)))
      assert.isFalse(yield* isTokenRevoked(identity(other, t - second, github)))
    })))

  it.effect("a later revocation widens an earlier one and never narrows it", () =>
    withLedger(Effect.gen(function*() {
      const t = yield* Clock.currentTimeMillis
      const id = user()
      yield* revokeUserTokens(id, new Date(t), new Date(t + 2 * hour))
      // Narrower on both counts: changes nothing.
      yield* revokeUserTokens(id, new Date(t - hour), new Date(t + hour))
      assert.isTrue(yield* isTokenRevoked(identity(id, t)))
      yield* TestClock.adjust(hour + second)
      assert.isTrue(yield* isTokenRevoked(identity(id, t)), "the longer until holds")
      // Wider `before`: tokens issued since are covered too.
      const now = yield* Clock.currentTimeMillis
      yield* revokeUserTokens(id, new Date(now), new Date(now + hour))
      assert.isTrue(yield* isTokenRevoked(identity(id, now)))
    })))

  it.effect.each([1, 2, 3, 4, 5])("concurrent revocations of one scope all count: the widest holds (seed %d)", (seed) =>
    withRacingLedger(Effect.gen(function*() {
      const t = yield* Clock.currentTimeMillis
      const id = user()
      const untils = Array.from({ length: 10 }, (_, i) => t + (i + 1) * hour)
      yield* Effect.forEach(untils, (until) => revokeUserTokens(id, new Date(t), new Date(until)), {
        concurrency: "unbounded"
      })
      yield* TestClock.adjust(9 * hour + second)
      assert.isTrue(yield* isTokenRevoked(identity(id, t)), "the latest until survived the race")
      yield* TestClock.adjust(hour)
      assert.isFalse(yield* isTokenRevoked(identity(id, t)))
    }), seed))
})
