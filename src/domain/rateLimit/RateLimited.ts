import { Schema } from "effect"

/**
 * Too many requests from this client or for this identifier: try again in `retryAfterSeconds`. Carries no
 * address or identifier (errors reach logs), only how long to wait.
 */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  retryAfterSeconds: Schema.Number
}) {}
