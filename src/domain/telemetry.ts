import { Cause, Effect, Exit, Metric, Tracer } from "effect"

/*
 * What authfx counts, as Effect metrics. Every attribute value is a fixed word or a configured provider id,
 * never what a request carried (an e-mail, a user id, a token, an address): it would be personal data, and
 * a label an attacker chooses is also a way to grow the series without bound. They live in the registry
 * of the app (createAuth provides a fresh `Metric.MetricRegistry` per app) and leave it only through an
 * exporter the application configured (`observability`).
 */

/** Sign-in callbacks (OAuth, e-mail link, credentials), by `provider` and `outcome` (success or the error's tag). */
export const signIns = Metric.counter("authfx.sign_ins", {
  description: "Sign-in callbacks by provider and outcome (success, or the tag of the error that ended it)",
  incremental: true
})

/**
 * `GET /session`, by `result`: `hit` when the fast path answered it in memory before the router, `miss` when
 * the route answered it (reading the stores or opening the token).
 */
export const sessionChecks = Metric.counter("authfx.session_checks", {
  description: "GET /session by result: hit (answered in memory before the router) or miss (answered by the route)",
  incremental: true
})

/** The series of `GET /session` answered by the fast path; it reads a plain counter (sessionFastPath.ts). */
export const sessionCheckHits = Metric.withAttributes(sessionChecks, { result: "hit" })

/** Counts one `GET /session` answered by the route. */
export const sessionCheckMissed = Metric.update(Metric.withAttributes(sessionChecks, { result: "miss" }), 1)

/** Requests refused for what they carried, by `reason`. */
export const refusals = Metric.counter("authfx.refusals", {
  description: "Refusals by reason: csrf (a POST without a valid CSRF token), redirect (a callbackUrl off our origins), revoked (a session token presented after its revocation)",
  incremental: true
})

/** Refreshes of an OAuth access token, by `provider` and `outcome`. */
export const tokenRefreshes = Metric.counter("authfx.token_refreshes", {
  description: "OAuth access-token refreshes by provider and outcome",
  incremental: true
})

export type RefusalReason = "csrf" | "redirect" | "revoked"

/** Counts one refusal. */
export const countRefusal = (reason: RefusalReason) => Metric.update(Metric.withAttributes(refusals, { reason }), 1)

/**
 * How a flow ended, as a word fit for an attribute: `success`, the tag of its typed error (tags name a kind of
 * failure and carry none of its fields), `interrupted`, or `defect`.
 */
export const outcomeOf = (exit: Exit.Exit<unknown, unknown>): string => {
  if (Exit.isSuccess(exit)) return "success"
  for (const reason of exit.cause.reasons) {
    if (Cause.isFailReason(reason)) {
      const error: unknown = reason.error
      const tag = typeof error === "object" && error !== null && "_tag" in error ? error._tag : undefined
      return typeof tag === "string" && /^[A-Za-z][A-Za-z0-9]{0,63}$/.test(tag) ? tag : "failure"
    }
  }
  return Cause.hasInterruptsOnly(exit.cause) ? "interrupted" : "defect"
}

/**
 * Runs a flow in a span named `name` (e.g. `authfx.signIn`) with the given attributes, and records how it
 * ended as `authfx.outcome`. Attributes are words and configured ids only (see above). Under the native
 * tracer (no exporter configured, here or by the application's server) no span is made: nobody would read
 * it, and on a `GET /session` that the route answers it would be a measurable part of the request.
 */
export const flowSpan = (name: string, attributes: Readonly<Record<string, string>>) =>
<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.withFiber((fiber) =>
    fiber.getRef(Tracer.Tracer) === Tracer.nativeTracer ? self : self.pipe(
      Effect.onExit((exit) => Effect.annotateCurrentSpan("authfx.outcome", outcomeOf(exit))),
      Effect.withSpan(name, { attributes })
    )
  )
