import { Context } from "effect"

/** What the browser proves about itself: a "trust this device" cookie, opened, names the user and the enrolment. */
export interface DeviceTrust {
  readonly userId: string
  readonly enrolmentId: string
}

/**
 * The trust the current request's browser carries, or null. The HTTP layer provides it around a sign-in
 * (it reads the sealed cookie); the domain never sees cookies.
 */
export const TrustedDevice = Context.Reference<DeviceTrust | null>("authfx/TrustedDevice", { defaultValue: () => null })

/** The facts after the first factor. */
export interface GateFacts {
  readonly userId: string
  /** The user's enabled enrolment, or null (none, or only pending). */
  readonly enrolmentId: string | null
  /** What `callbacks.requireTwoFactor` answered (false without the callback). */
  readonly required: boolean
  readonly trust: DeviceTrust | null
}

export type GateDecision =
  /** No second factor: the session is made now. */
  | { readonly _tag: "Proceed" }
  /** Two-factor is on: ask for a code before any session. */
  | { readonly _tag: "AskCode" }
  /** The application requires two-factor and the user has none: enrol before any session. */
  | { readonly _tag: "Enrol" }

/**
 * Whether a sign-in that passed its first factor needs a second one. Two-factor on: a code, unless this browser
 * was trusted by this user for this very enrolment (turning two-factor off and on again, or another user's
 * cookie, trusts nothing). Off: none, unless the application requires it, then enrolment first — never a
 * session for a user who must have a second factor and has none.
 */
export const decideSecondFactor = (facts: GateFacts): GateDecision => {
  if (facts.enrolmentId !== null) {
    const trusted = facts.trust !== null && facts.trust.userId === facts.userId &&
      facts.trust.enrolmentId === facts.enrolmentId
    return trusted ? { _tag: "Proceed" } : { _tag: "AskCode" }
  }
  return facts.required ? { _tag: "Enrol" } : { _tag: "Proceed" }
}
