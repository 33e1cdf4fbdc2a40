import { Clock, Effect, Option, Schema } from "effect"
import { Ledger } from "../ports/Ledger.ts"
import { WebAuthnVerificationError } from "./SignInError.ts"
import { UserId } from "./User.ts"

/** What a live challenge was issued for: a sign-in, or a registration by one signed-in user. */
export const ChallengeFlow = Schema.Struct({
  challenge: Schema.String,
  action: Schema.Literals(["authenticate", "register"]),
  /** The user a registration was started for; null for a sign-in. */
  userId: Schema.NullOr(UserId),
  /** The session (its binding) that started a registration: it must finish in the same one. */
  session: Schema.NullOr(Schema.String)
})
export type ChallengeFlow = typeof ChallengeFlow.Type

const ChallengeJson = Schema.fromJsonString(ChallengeFlow)
const keyOf = (flowId: string) => `passkey:challenge:${encodeURIComponent(flowId)}`

/**
 * Keeps a challenge for `maxAgeSeconds` under a random flow id that only the browser's cookie carries: a
 * challenge is bound to the browser that asked for it, lives minutes, and (see takeChallenge) is used once.
 */
export const storeChallenge = Effect.fn("storeChallenge")(function*(flowId: string, flow: ChallengeFlow, maxAgeSeconds: number) {
  const now = yield* Clock.currentTimeMillis
  const value = Schema.encodeSync(ChallengeJson)(flow)
  yield* Ledger.use((ledger) => ledger.set(keyOf(flowId), { value, expiresAt: new Date(now + maxAgeSeconds * 1000) }))
})

/**
 * Takes the flow's challenge out of the Ledger: a conditional delete, so of any number of requests presenting one
 * flow (a replayed answer, two tabs, two nodes) exactly one gets it. Missing, expired or already used: refused.
 */
export const takeChallenge = Effect.fn("takeChallenge")(function*(flowId: string | undefined) {
  const challengeGone = new WebAuthnVerificationError({ reason: "Challenge" })
  if (flowId === undefined || flowId.length === 0 || flowId.length > 128) return yield* challengeGone
  const ledger = yield* Ledger
  const key = keyOf(flowId)
  const [entry] = yield* ledger.get([key])
  if (entry === undefined || Option.isNone(entry)) return yield* challengeGone
  if (!(yield* ledger.deleteIf(key, entry.value.value))) return yield* challengeGone
  return yield* Schema.decodeUnknownEffect(ChallengeJson)(entry.value.value).pipe(Effect.mapError(() => challengeGone))
})
