import { Effect, Option } from "effect"
import type { UserId } from "../../domain/User.ts"
import * as EnrolmentState from "../../domain/twoFactor/enrolmentState.ts"
import { type TwoFactorMethods, UserNotFound } from "../../ports/Users.ts"
import type { Bridge } from "./bridge.ts"
import { keys } from "./ledgerIndexes.ts"

/**
 * Two-factor enrolments over an Auth.js adapter: Auth.js has no table for them, so each user's is one entry of
 * the bridge's Ledger (ledgerIndexes.ts), changed by the domain's transitions in a compare-and-set loop — as
 * atomic as that Ledger (memory: one process; SQLite, PostgreSQL: every node). Kept as long as the user (the
 * entry goes with `deleteUser`); on the memory Ledger it is lost at restart, like the bridge's other indexes,
 * which turns two-factor off for everyone: use a SQLite or PostgreSQL Ledger with two-factor.
 */
export const twoFactorOperations = (bridge: Bridge): TwoFactorMethods => {
  const transition = (
    userId: UserId,
    step: (state: EnrolmentState.EnrolmentState | undefined) => EnrolmentState.Transition
  ) =>
    bridge.twoFactor.update(keys.twoFactor(userId), (index) => {
      const { next, answer } = step(index.enrolment ?? undefined)
      return answer ? { result: true, next: next === undefined ? null : { enrolment: next } } : { result: false }
    })

  return {
    getTwoFactor: (userId) =>
      Effect.map(bridge.twoFactor.read(keys.twoFactor(userId)), (index) =>
        index.enrolment === null ? Option.none() : Option.some(EnrolmentState.enrolmentOf(userId, index.enrolment))),
    // The adapter cannot refuse an enrolment for nobody (no foreign keys): the user is looked up first.
    startTwoFactor: (pending) =>
      Effect.gen(function*() {
        if (Option.isNone(yield* bridge.getUser(pending.userId))) return yield* new UserNotFound()
        return yield* transition(pending.userId, (state) => EnrolmentState.start(state, pending))
      }),
    ...EnrolmentState.writesOver(transition)
  }
}
