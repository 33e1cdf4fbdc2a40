import { Context, Layer } from "effect"
import { AuthConfig } from "../AuthConfig.ts"
import { type RateLimitOptions, resolveRateLimits, type ResolvedRateLimits } from "./rateLimitRules.ts"

/** The rate-limit rules in force (rateLimitRules.ts), resolved once against the configured providers. */
export class RateLimits extends Context.Service<RateLimits, ResolvedRateLimits>()("authfx/RateLimits") {
  static readonly layer = (options: RateLimitOptions | false | undefined) =>
    Layer.effect(RateLimits, AuthConfig.use((config) => resolveRateLimits(options, config.providers)))
}
