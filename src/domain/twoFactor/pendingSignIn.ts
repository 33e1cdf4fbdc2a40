/**
 * The sign-in between its first and its second factor. A user who needs a second factor gets no session, only
 * a pending sign-in: a Ledger entry (5 minutes, single-use) holding what the session will be made from, under a
 * random attempt id that the HTTP layer seals into a cookie with the user's id, so only the browser that
 * passed the first factor can finish it. Finishing checks the code, then spends the entry (a conditional
 * delete: of two finishes, one wins), then makes the session exactly as the first factor would have.
 */
import { Clock, Effect, Option, Redacted, Schema } from "effect"
import { Ledger } from "../../ports/Ledger.ts"
import { Users } from "../../ports/Users.ts"
import { AccountKey } from "../Account.ts"
import { AuthConfig } from "../AuthConfig.ts"
import { callHook, emitEvent } from "../callHook.ts"
import { Profile } from "../Profile.ts"
import { randomSecret } from "../secretToken.ts"
import type { SignInContext } from "../Session.ts"
import { issueSession } from "../sessionLifecycle.ts"
import type { User, UserId } from "../User.ts"
import { confirmEnrolment } from "./enrolment.ts"
import { decideSecondFactor, TrustedDevice } from "./secondFactorGate.ts"
import { TwoFactorPendingInvalid } from "./TwoFactor.ts"
import { verifySecondFactor } from "./verifySecondFactor.ts"

/** How long a pending sign-in waits for its second factor. */
export const pendingLifetimeMillis = 5 * 60_000

const keyOf = (attemptId: string) => `two-factor:pending:${encodeURIComponent(attemptId)}`

const PendingFacts = Schema.Struct({
  userId: Schema.String,
  via: Schema.String,
  isNewUser: Schema.Boolean,
  account: Schema.NullOr(AccountKey),
  profile: Schema.NullOr(Profile),
  /** "code": two-factor is on; "enrol": the application requires it and the user enrols first. */
  mode: Schema.Literals(["code", "enrol"])
})
type PendingFacts = typeof PendingFacts.Type
const PendingJson = Schema.fromJsonString(PendingFacts)
const encodeFacts = Schema.encodeSync(PendingJson)
const decodeFacts = Schema.decodeUnknownOption(PendingJson)

/** A sign-in waiting for its second factor, as the HTTP layer binds it to the browser. */
export interface PendingSecondFactor {
  readonly attemptId: Redacted.Redacted<string>
  readonly userId: UserId
  readonly mode: "code" | "enrol"
  readonly expiresAt: Date
}

/** Asks `callbacks.requireTwoFactor`; a callback that fails requires it (fail closed). */
const requiredFor = Effect.fnUntraced(function*(user: User, provider: string) {
  const hook = (yield* AuthConfig).callbacks.requireTwoFactor
  if (hook === undefined) return false
  return yield* callHook("requireTwoFactor", hook, { user, provider }).pipe(
    Effect.map((answer) => answer === true),
    Effect.catch((error) =>
      Effect.logWarning("authfx: the requireTwoFactor callback failed; two-factor required", error.cause).pipe(
        Effect.as(true)
      )
    )
  )
})

/**
 * In place of `issueSession` at the end of every sign-in (OAuth, credentials, e-mail link): the session when
 * no second factor is needed, else a pending sign-in and no session.
 */
export const sessionOrSecondFactor = Effect.fn("sessionOrSecondFactor")(function*(user: User, context: SignInContext) {
  const enrolment = yield* Users.use((store) => store.getTwoFactor(user.id))
  const enrolmentId = Option.isSome(enrolment) && enrolment.value.enabledAt !== null ? enrolment.value.id : null
  const decision = decideSecondFactor({
    userId: user.id,
    enrolmentId,
    required: enrolmentId === null ? yield* requiredFor(user, context.via) : false,
    trust: yield* TrustedDevice
  })
  if (decision._tag === "Proceed") return { session: yield* issueSession(user, context), secondFactor: null }
  const attemptId = yield* randomSecret(32)
  const expiresAt = new Date((yield* Clock.currentTimeMillis) + pendingLifetimeMillis)
  const facts: PendingFacts = {
    userId: user.id,
    via: context.via,
    isNewUser: context.isNewUser,
    account: context.account === null
      ? null
      : { provider: context.account.provider, providerAccountId: context.account.providerAccountId },
    profile: context.profile,
    mode: decision._tag === "AskCode" ? "code" : "enrol"
  }
  yield* Ledger.use((ledger) => ledger.set(keyOf(Redacted.value(attemptId)), { value: encodeFacts(facts), expiresAt }))
  const secondFactor: PendingSecondFactor = { attemptId, userId: user.id, mode: facts.mode, expiresAt }
  return { session: null, secondFactor }
})

/** The pending sign-in `attemptId` of `userId`, while it lives; else TwoFactorPendingInvalid. */
export const readPendingSignIn = Effect.fn("readPendingSignIn")(function*(attemptId: string, userId: UserId) {
  const [entry] = yield* Ledger.use((ledger) => ledger.get([keyOf(attemptId)]))
  if (entry === undefined || Option.isNone(entry)) return yield* new TwoFactorPendingInvalid()
  const facts = decodeFacts(entry.value.value)
  if (Option.isNone(facts) || facts.value.userId !== userId) return yield* new TwoFactorPendingInvalid()
  return { facts: facts.value, stored: entry.value.value }
})

/**
 * Finishes a pending sign-in with a second factor (mode "code": a TOTP or backup code; mode "enrol": the first
 * code of the enrolment the page started). Returns the session, and the backup codes when it enrolled.
 */
export const completePendingSignIn = Effect.fn("completePendingSignIn")(function*(
  attemptId: string,
  userId: UserId,
  code: string
) {
  const config = yield* AuthConfig
  const store = yield* Users
  const { facts, stored } = yield* readPendingSignIn(attemptId, userId)
  const proof = facts.mode === "code"
    ? { enrolmentId: (yield* verifySecondFactor(userId, code)).enrolment.id, backupCodes: null }
    : yield* confirmEnrolment(userId, code)
  // Spent only now, so a mistyped code can be typed again; of two finishes with two good codes, one wins.
  const spent = yield* Ledger.use((ledger) => ledger.deleteIf(keyOf(attemptId), stored))
  if (!spent) return yield* new TwoFactorPendingInvalid()
  const user = yield* store.getUser(userId)
  if (Option.isNone(user)) return yield* new TwoFactorPendingInvalid()
  const account = facts.account === null ? null : Option.getOrNull(yield* store.getAccount(facts.account))
  const session = yield* issueSession(user.value, {
    account,
    profile: facts.profile,
    isNewUser: facts.isNewUser,
    via: facts.via as SignInContext["via"]
  })
  yield* emitEvent("signIn", config.events.signIn, {
    user: user.value,
    account,
    profile: facts.profile,
    isNewUser: facts.isNewUser
  })
  return {
    user: user.value,
    session,
    isNewUser: facts.isNewUser,
    enrolmentId: proof.enrolmentId,
    backupCodes: proof.backupCodes
  }
})
