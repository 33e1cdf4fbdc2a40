import { Effect, Exit, Metric } from "effect"
import { HttpRouter } from "effect/http"
import { flowSpan, outcomeOf, signIns } from "../../domain/telemetry.ts"
import type { RouteInput } from "./authRoute.ts"

/** The flows the API traces, one span name each (README "Observability"). */
export type Flow =
  | "authfx.signIn"
  | "authfx.callback"
  | "authfx.session"
  | "authfx.session.update"
  | "authfx.signOut"
  | "authfx.link"
  | "authfx.unlink"

/**
 * A route handler as a traced flow: a span with the session strategy and, on `/:provider` routes, the
 * provider's id and type — only when it is a configured provider, as the path is the client's to write (an
 * e-mail typed there must not reach a span, nor grow the series). A callback also counts a sign-in by
 * provider and outcome.
 */
export const traced = <A, E, R>(flow: Flow, handler: (input: RouteInput) => Effect.Effect<A, E, R>) =>
(input: RouteInput): Effect.Effect<A, E, R | HttpRouter.RouteContext> =>
  Effect.gen(function*() {
    const { provider: id } = yield* HttpRouter.params
    const provider = id === undefined ? undefined : input.config.providers.find((p) => p.id === id)
    const providerId = id === undefined ? undefined : provider?.id ?? "unknown"
    const attributes: Record<string, string> = { "authfx.strategy": input.config.session.strategy }
    if (providerId !== undefined) attributes["authfx.provider"] = providerId
    if (provider !== undefined) attributes["authfx.provider_type"] = provider.type
    const run = handler(input).pipe(flowSpan(flow, attributes))
    if (flow !== "authfx.callback" || providerId === undefined) return yield* run
    return yield* run.pipe(
      Effect.onExit((exit) =>
        Exit.isSuccess(exit) || !Exit.hasInterrupts(exit)
          ? Metric.update(Metric.withAttributes(signIns, { provider: providerId, outcome: outcomeOf(exit) }), 1)
          : Effect.void
      )
    )
  })
