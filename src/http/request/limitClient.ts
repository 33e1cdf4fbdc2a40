import { Effect } from "effect"
import { enforceRule } from "../../domain/rateLimit/enforceLimit.ts"
import { addressRuleFor } from "../../domain/rateLimit/rateLimitRules.ts"
import { RateLimits } from "../../domain/rateLimit/RateLimits.ts"
import type { RouteInput } from "../routes/authRoute.ts"
import { clientAddress } from "./clientAddress.ts"

/**
 * Counts the request against its per-address rule (its path's, or the POST rule): the rule is the domain's,
 * this only says which path and which client. No address known (a web handler without a socket or trusted
 * proxies) → no per-address rule; the per-identifier rules still hold.
 */
export const limitClient = Effect.fnUntraced(function*(input: RouteInput) {
  const rule = addressRuleFor(yield* RateLimits, input.request.method, input.context.url.pathname.slice(input.options.basePath.length))
  if (rule === null) return
  const address = clientAddress(input.request, input.options.trustedProxies)
  if (address === undefined) return
  yield* enforceRule(rule, address)
})
