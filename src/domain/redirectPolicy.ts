import { Effect } from "effect"
import { AuthConfig } from "./AuthConfig.ts"
import { callHook } from "./callHook.ts"
import { countRefusal } from "./telemetry.ts"

/**
 * Where a `callbackUrl` may lead: a path on our own origin, or an absolute http(s) URL whose origin is
 * ours or on the allow-list. Everything else — other hosts, protocol-relative `//host`, `/\host` (which
 * browsers read as `//host`), credentials in the URL (`user@host`), `javascript:` and other schemes,
 * control characters — falls back to `baseUrl`, so a sign-in link can never be turned into a redirect
 * to an attacker's site.
 */
export const safeRedirect = (input: RedirectFacts): string => allowedRedirect(input) ?? new URL(input.baseUrl).href

interface RedirectFacts {
  readonly url: string
  readonly baseUrl: string
  readonly allowedOrigins: ReadonlyArray<string>
}

/** The policy of `safeRedirect`: where `url` leads when it is allowed, null when it is refused. */
const allowedRedirect = (input: RedirectFacts): string | null => {
  const base = new URL(input.baseUrl)
  const url = input.url
  if (url.length === 0) return base.href
  if (url.length > 2048 || /[\u0000-\u001f\u007f\\]/.test(url)) return null
  let target: URL
  try {
    // A relative path resolves against our origin; anything that leaves it is judged below.
    target = new URL(url.startsWith("/") && !url.startsWith("//") ? base.origin + url : url)
  } catch {
    return null
  }
  if (target.protocol !== "http:" && target.protocol !== "https:") return null
  if (target.username !== "" || target.password !== "") return null
  const allowed = target.origin === base.origin || input.allowedOrigins.some((origin) => sameOrigin(origin, target))
  return allowed ? target.href : null
}

/** safeRedirect, counting a refused URL (README "Observability": refusals, reason redirect). */
const judgedRedirect = (input: RedirectFacts) => {
  const allowed = allowedRedirect(input)
  return allowed === null ? Effect.as(countRefusal("redirect"), new URL(input.baseUrl).href) : Effect.succeed(allowed)
}

const sameOrigin = (origin: string, target: URL): boolean => {
  try {
    return new URL(origin).origin === target.origin
  } catch {
    return false
  }
}

/**
 * The redirect callback as Auth.js has it, and then our policy over its answer too: an application
 * that wants to send people elsewhere lists those origins in `trust.redirectOrigins`, so a bug in a
 * callback cannot open a redirect.
 */
export const resolveRedirect = Effect.fn("resolveRedirect")(function*(url: string, baseUrl: string) {
  const config = yield* AuthConfig
  const allowedOrigins = config.trust.redirectOrigins
  const proposed = yield* judgedRedirect({ url, baseUrl, allowedOrigins })
  const hook = config.callbacks.redirect
  if (hook === undefined) return proposed
  const answer = yield* callHook("redirect", hook, { url: proposed, baseUrl }).pipe(
    Effect.catchTag("CallbackFailed", (error) =>
      Effect.logWarning("authfx: the redirect callback failed; using the base URL", error.cause).pipe(Effect.as(baseUrl)))
  )
  return yield* judgedRedirect({ url: typeof answer === "string" ? answer : baseUrl, baseUrl, allowedOrigins })
})
