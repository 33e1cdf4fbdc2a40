/**
 * The port's two-factor operations as pure transitions of one user's stored state: the rules a store that
 * keeps the state as one value applies atomically (memory, in one synchronous step; the Auth.js bridge, by a
 * compare-and-set of the value in its Ledger). The SQL stores say the same in their statements' WHERE clauses.
 */
import { type Effect, Redacted } from "effect"
import type { UserId } from "../User.ts"
import type { EnablingFacts, PendingEnrolment, TwoFactorEnrolment } from "./TwoFactor.ts"

/** One user's enrolment as a JSON-safe value (times in epoch milliseconds, the secret as stored). */
export interface EnrolmentState {
  readonly id: string
  readonly secret: string
  readonly createdAt: number
  readonly enabledAt: number | null
  readonly lastStep: number | null
  readonly codes: ReadonlyArray<string>
}

/** What a transition leaves (undefined: no enrolment) and what the operation answers. */
export interface Transition {
  readonly next: EnrolmentState | undefined
  readonly answer: boolean
}

const unchanged = (state: EnrolmentState | undefined): Transition => ({ next: state, answer: false })

export const start = (state: EnrolmentState | undefined, pending: PendingEnrolment): Transition =>
  state !== undefined && state.enabledAt !== null ? unchanged(state) : {
    next: {
      id: pending.id,
      secret: Redacted.value(pending.secret),
      createdAt: pending.createdAt.getTime(),
      enabledAt: null,
      lastStep: null,
      codes: []
    },
    answer: true
  }

export const enable = (state: EnrolmentState | undefined, id: string, facts: EnablingFacts): Transition =>
  state === undefined || state.id !== id || state.enabledAt !== null ? unchanged(state) : {
    next: { ...state, enabledAt: facts.enabledAt.getTime(), lastStep: facts.step, codes: [...facts.backupCodeHashes] },
    answer: true
  }

export const useStep = (state: EnrolmentState | undefined, id: string, step: number): Transition =>
  state === undefined || state.id !== id || state.enabledAt === null || (state.lastStep !== null && step <= state.lastStep)
    ? unchanged(state)
    : { next: { ...state, lastStep: step }, answer: true }

export const consumeCode = (state: EnrolmentState | undefined, codeHash: string): Transition =>
  state === undefined || state.enabledAt === null || !state.codes.includes(codeHash)
    ? unchanged(state)
    : { next: { ...state, codes: state.codes.filter((code) => code !== codeHash) }, answer: true }

export const replaceCodes = (state: EnrolmentState | undefined, id: string, codeHashes: ReadonlyArray<string>): Transition =>
  state === undefined || state.id !== id || state.enabledAt === null
    ? unchanged(state)
    : { next: { ...state, codes: [...codeHashes] }, answer: true }

export const remove = (state: EnrolmentState | undefined): Transition => ({ next: undefined, answer: state !== undefined })

/** The enrolment as the port answers it. */
export const enrolmentOf = (userId: UserId, state: EnrolmentState): TwoFactorEnrolment => ({
  userId,
  id: state.id,
  secret: Redacted.make(state.secret),
  createdAt: new Date(state.createdAt),
  enabledAt: state.enabledAt === null ? null : new Date(state.enabledAt),
  lastStep: state.lastStep,
  backupCodes: state.codes.length
})

type Step = (state: EnrolmentState | undefined) => Transition

/**
 * The port's writes after the start (which each store guards against a missing user its own way), over a
 * store's `apply`: run one transition on the user's state atomically and answer whether it changed anything.
 */
export const writesOver = <E>(apply: (userId: UserId, step: Step) => Effect.Effect<boolean, E>) => ({
  enableTwoFactor: (userId: UserId, id: string, facts: EnablingFacts) => apply(userId, (s) => enable(s, id, facts)),
  useTwoFactorStep: (userId: UserId, id: string, step: number) => apply(userId, (s) => useStep(s, id, step)),
  consumeBackupCode: (userId: UserId, codeHash: string) => apply(userId, (s) => consumeCode(s, codeHash)),
  replaceBackupCodes: (userId: UserId, id: string, codeHashes: ReadonlyArray<string>) =>
    apply(userId, (s) => replaceCodes(s, id, codeHashes)),
  deleteTwoFactor: (userId: UserId) => apply(userId, remove)
})
