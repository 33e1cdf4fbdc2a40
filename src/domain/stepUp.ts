import { Clock, Effect, Schema } from "effect"
import { AuthConfig } from "./AuthConfig.ts"
import { emitEvent } from "./callHook.ts"
import { type ActiveSession, sessionAuthTime } from "./Session.ts"

/**
 * The actions that need a recent sign-in: whoever holds a stolen (or forgotten, still open) session must not be
 * able to lock the owner out — remove their ways in, end the owner's sessions, or weaken their second factor.
 * Passkeys and two-factor call `requireStepUp` with theirs.
 */
export type SensitiveAction =
  | "unlinkAccount"
  | "revokeAllSessions"
  | "addPasskey"
  | "removePasskey"
  | "disableTwoFactor"

/** The session's sign-in is too old for `action`: sign in again (or pass a second factor), then retry. */
export class StepUpRequired extends Schema.TaggedError<StepUpRequired>()("StepUpRequired", {
  action: Schema.String
}) {}

/**
 * The step-up rule (Auth.js has none): a sensitive action needs the session's user to have proved who they are
 * less than `stepUpMaxAge` seconds ago. An unknown auth time (a session from before authfx recorded it) counts
 * as long ago. An auth time ahead of `now` (clocks of two nodes disagreeing by a little) counts as now: it is
 * written only by us, from our clock, so it cannot be chosen by a client.
 */
export const stepUpRequired = (
  now: number,
  authTime: number | null,
  config: { readonly stepUpMaxAge: number }
): boolean => authTime === null || now - authTime >= config.stepUpMaxAge * 1000

/**
 * Fails with `StepUpRequired` (and tells the `stepUpRefused` event) unless the session's sign-in is recent
 * enough for `action`.
 */
export const requireStepUp = Effect.fn("requireStepUp")(function*(session: ActiveSession, action: SensitiveAction) {
  const config = yield* AuthConfig
  const now = yield* Clock.currentTimeMillis
  if (!stepUpRequired(now, sessionAuthTime(session), config.session)) return
  yield* emitEvent("stepUpRefused", config.events.stepUpRefused, { userId: session.userId, action })
  return yield* new StepUpRequired({ action })
})
