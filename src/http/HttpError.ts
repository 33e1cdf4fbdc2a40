import { Schema } from "effect"

/** A state-changing request without a valid CSRF token, or from another origin. */
export class MissingCSRF extends Schema.TaggedError<MissingCSRF>()("MissingCSRF", {}) {}

/** The request needs a signed-in user and has none. */
export class NotSignedIn extends Schema.TaggedError<NotSignedIn>()("NotSignedIn", {}) {}

/** The OAuth callback came without our sealed checks cookie, or with one for another provider or flow. */
export class OAuthChecksMissing extends Schema.TaggedError<OAuthChecksMissing>()("OAuthChecksMissing", {}) {}

/** A callback or sign-in request lacks what it needs (no code, no token, …). */
export class BadRequest extends Schema.TaggedError<BadRequest>()("BadRequest", {
  message: Schema.String
}) {}

/**
 * A link flow came back in another session than the one that started it (another user, or the same user
 * signed in anew): it may be an attacker's flow, carried in with his code, so it links nothing.
 */
export class LinkFlowForeign extends Schema.TaggedError<LinkFlowForeign>()("LinkFlowForeign", {}) {}
