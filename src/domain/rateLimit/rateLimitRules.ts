import { Duration, Effect } from "effect"
import { ConfigurationInvalid } from "../AuthConfig.ts"
import type { ProviderConfig } from "../Provider.ts"

/** What to do when the counter store cannot answer: let the request through, or refuse it for now. */
export type OnStoreDown = "open" | "closed"

/** A rule as configured: at most `limit` requests per `window` (a Duration: "1 minute", or milliseconds). */
export interface RateLimitRuleOptions {
  readonly limit: number
  readonly window: Duration.Input
  /** Default: "closed" for the credentials and e-mail rules, "open" for the rest. */
  readonly onStoreDown?: OnStoreDown
}

/** A failed-password streak: exponential backoff per identifier, capped, reset by a success. */
export interface PasswordBackoffOptions {
  /** Failures in a row that cost nothing. Default 3. */
  readonly freeFailures?: number
  /** The wait after the first costly failure; it doubles with each further one. Default "1 second". */
  readonly base?: Duration.Input
  /** The longest wait. Default "5 minutes". */
  readonly cap?: Duration.Input
  /** A streak is forgotten this long after its first failure, so no owner is ever locked out. Default "15 minutes". */
  readonly window?: Duration.Input
  readonly onStoreDown?: OnStoreDown
}

/** `AuthfxOptions.rateLimit`. Every rule may be `false` to turn it off; `rateLimit: false` turns all off. */
export interface RateLimitOptions {
  /**
   * Per client address, by path under the base path ("/signin/email", "/callback/credentials", "/session"):
   * the rule for every request to that path, whatever its method. Listed paths replace the defaults.
   */
  readonly paths?: Readonly<Record<string, RateLimitRuleOptions | false>>
  /** Per client address, every other POST. Default 60 per minute, open. */
  readonly post?: RateLimitRuleOptions | false
  /** Per username: credentials sign-in attempts. Default 5 per minute, closed. */
  readonly credentials?: RateLimitRuleOptions | false
  /** Per e-mail address: magic links sent. Default 3 per 10 minutes, closed. */
  readonly email?: RateLimitRuleOptions | false
  /** Per e-mail address: magic-link callbacks (verification attempts). Default 5 per minute, closed. */
  readonly verification?: RateLimitRuleOptions | false
  /** Per user: two-factor codes tried (sign-in, enrolment, turning it off). Default 5 per minute, closed. */
  readonly twoFactor?: RateLimitRuleOptions | false
  readonly passwordBackoff?: PasswordBackoffOptions | false
}

/** A rule resolved: `name` keys its counters, so two rules never share one. */
export interface RateLimitRule {
  readonly name: string
  readonly limit: number
  readonly windowMillis: number
  readonly onStoreDown: OnStoreDown
}

export interface PasswordBackoffRule {
  readonly freeFailures: number
  readonly baseMillis: number
  readonly capMillis: number
  readonly windowMillis: number
  readonly onStoreDown: OnStoreDown
}

export interface ResolvedRateLimits {
  /** Per client address, by path under the base path. */
  readonly paths: ReadonlyMap<string, RateLimitRule | null>
  readonly post: RateLimitRule | null
  readonly credentials: RateLimitRule | null
  readonly email: RateLimitRule | null
  readonly verification: RateLimitRule | null
  readonly twoFactor: RateLimitRule | null
  readonly passwordBackoff: PasswordBackoffRule | null
}

export const minute = 60_000

type RuleDefault = { readonly limit: number; readonly window: number; readonly onStoreDown: OnStoreDown }

/** The defaults, strict where a request costs a password guess or a mail, loose for the rest. */
export const defaultRules = {
  strictPath: { limit: 10, window: minute, onStoreDown: "closed" },
  post: { limit: 60, window: minute, onStoreDown: "open" },
  credentials: { limit: 5, window: minute, onStoreDown: "closed" },
  email: { limit: 3, window: 10 * minute, onStoreDown: "closed" },
  verification: { limit: 5, window: minute, onStoreDown: "closed" },
  twoFactor: { limit: 5, window: minute, onStoreDown: "closed" }
} as const satisfies Record<string, RuleDefault>

export const defaultPasswordBackoff = {
  freeFailures: 3,
  base: 1_000,
  cap: 5 * minute,
  window: 15 * minute,
  onStoreDown: "closed"
} as const

/** No rule at all: what `rateLimit: false` resolves to. */
export const noRateLimits: ResolvedRateLimits = {
  paths: new Map(),
  post: null,
  credentials: null,
  email: null,
  verification: null,
  twoFactor: null,
  passwordBackoff: null
}

const millisOf = (input: Duration.Input, what: string) => {
  const duration = Duration.fromInput(input)
  const millis = duration._tag === "Some" ? Duration.toMillis(duration.value) : Number.NaN
  return Number.isFinite(millis) && millis >= 1
    ? Effect.succeed(millis)
    : Effect.fail(new ConfigurationInvalid({ message: `rateLimit: ${what} must be a finite duration of at least 1 ms` }))
}

const onStoreDownOf = (value: unknown, fallback: OnStoreDown, what: string): Effect.Effect<OnStoreDown, ConfigurationInvalid> =>
  value === undefined
    ? Effect.succeed(fallback)
    : value === "open" || value === "closed"
    ? Effect.succeed(value)
    : Effect.fail(new ConfigurationInvalid({ message: `rateLimit: ${what}.onStoreDown must be "open" or "closed"` }))

const ruleOf = Effect.fnUntraced(function*(
  name: string,
  given: RateLimitRuleOptions | false | undefined,
  fallback: RuleDefault
) {
  if (given === false) return null
  const options = given ?? fallback
  if (!(Number.isSafeInteger(options.limit) && options.limit >= 1)) {
    return yield* new ConfigurationInvalid({ message: `rateLimit: ${name}.limit must be a whole number of at least 1` })
  }
  const rule: RateLimitRule = {
    name,
    limit: options.limit,
    windowMillis: yield* millisOf(options.window, `${name}.window`),
    onStoreDown: yield* onStoreDownOf(options.onStoreDown, fallback.onStoreDown, name)
  }
  return rule
})

const backoffOf = Effect.fnUntraced(function*(given: PasswordBackoffOptions | false | undefined) {
  if (given === false) return null
  const options: PasswordBackoffOptions = { ...defaultPasswordBackoff, ...given }
  const freeFailures = options.freeFailures ?? defaultPasswordBackoff.freeFailures
  if (!(Number.isSafeInteger(freeFailures) && freeFailures >= 0)) {
    return yield* new ConfigurationInvalid({ message: "rateLimit: passwordBackoff.freeFailures must be a whole number" })
  }
  const rule: PasswordBackoffRule = {
    freeFailures,
    baseMillis: yield* millisOf(options.base ?? defaultPasswordBackoff.base, "passwordBackoff.base"),
    capMillis: yield* millisOf(options.cap ?? defaultPasswordBackoff.cap, "passwordBackoff.cap"),
    windowMillis: yield* millisOf(options.window ?? defaultPasswordBackoff.window, "passwordBackoff.window"),
    onStoreDown: yield* onStoreDownOf(options.onStoreDown, defaultPasswordBackoff.onStoreDown, "passwordBackoff")
  }
  return rule
})

/** "/signin/email/" and "signin/email" are one path: "/signin/email". */
export const normalizePath = (path: string) => "/" + path.replace(/^\/+|\/+$/g, "")

/**
 * The rules in force. Each credentials provider's callback and each e-mail provider's sign-in are strict
 * per client address by default (a password guess, a mail); `paths` replaces any of them or adds others.
 */
export const resolveRateLimits = Effect.fnUntraced(function*(
  options: RateLimitOptions | false | undefined,
  providers: ReadonlyArray<ProviderConfig>
) {
  if (options === false) return noRateLimits
  const given = options ?? {}
  const paths = new Map<string, RateLimitRule | null>()
  for (const provider of providers) {
    const path = provider.type === "credentials" ? `/callback/${provider.id}` : provider.type === "email" ? `/signin/${provider.id}` : null
    if (path !== null) paths.set(path, yield* ruleOf(`path:${path}`, undefined, defaultRules.strictPath))
  }
  for (const [raw, rule] of Object.entries(given.paths ?? {})) {
    const path = normalizePath(raw)
    paths.set(path, yield* ruleOf(`path:${path}`, rule, defaultRules.post))
  }
  const resolved: ResolvedRateLimits = {
    paths,
    post: yield* ruleOf("post", given.post, defaultRules.post),
    credentials: yield* ruleOf("credentials", given.credentials, defaultRules.credentials),
    email: yield* ruleOf("email", given.email, defaultRules.email),
    verification: yield* ruleOf("verification", given.verification, defaultRules.verification),
    twoFactor: yield* ruleOf("twoFactor", given.twoFactor, defaultRules.twoFactor),
    passwordBackoff: yield* backoffOf(given.passwordBackoff)
  }
  return resolved
})

/**
 * The per-address rule for a request: its path's rule when the path is listed (null there turns it off),
 * else the POST rule for a POST, else none — so `GET /session` and `GET /csrf` are not limited by default.
 */
export const addressRuleFor = (limits: ResolvedRateLimits, method: string, path: string): RateLimitRule | null => {
  const listed = limits.paths.get(normalizePath(path))
  if (listed !== undefined) return listed
  return method === "POST" ? limits.post : null
}
