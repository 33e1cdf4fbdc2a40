import { Cause, Effect, Predicate, Schema } from "effect"
import type { Awaitable } from "./Provider.ts"

/** An application callback failed (threw, rejected or failed). Its cause stays server-side. */
export class CallbackFailed extends Schema.TaggedError<CallbackFailed>()("CallbackFailed", {
  callback: Schema.String,
  cause: Schema.Defect()
}) {}

const isPromiseLike = (u: unknown): u is PromiseLike<unknown> =>
  Predicate.hasProperty(u, "then") && Predicate.isFunction(u.then)

/**
 * Runs an application callback, whatever it returns (value, promise or Effect), and turns every way it
 * can fail into `CallbackFailed`: application code must never crash a request.
 */
export const callHook = <P, A>(
  name: string,
  hook: (params: P) => Awaitable<A>,
  params: P
): Effect.Effect<A, CallbackFailed> =>
  Effect.suspend(() => {
    const result = hook(params)
    if (Effect.isEffect(result)) return result as Effect.Effect<A, unknown>
    if (isPromiseLike(result)) return Effect.tryPromise({ try: () => result as PromiseLike<A>, catch: (e) => e })
    return Effect.succeed(result as A)
  }).pipe(
    Effect.catchCause((cause) => Effect.fail(new CallbackFailed({ callback: name, cause: Cause.squash(cause) })))
  )

/**
 * Tells an event hook what happened. Events cannot change the outcome: a failing hook is logged
 * (without its parameters, which hold personal data) and the program goes on.
 */
export const emitEvent = <P>(
  name: string,
  hook: ((params: P) => Awaitable<void>) | undefined,
  params: P
): Effect.Effect<void> =>
  hook === undefined
    ? Effect.void
    : callHook(name, hook, params).pipe(
      Effect.catch((error) => Effect.logWarning(`authfx: the ${name} event hook failed`, error.cause))
    )
