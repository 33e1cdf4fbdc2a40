import * as NodeRedis from "@effect/platform-node/NodeRedis"
import { Cause, Clock, Context, Duration, Effect, Exit, Fiber, Layer, Option, Scope } from "effect"
import * as Redis from "effect/persistence/Redis"

/** How long a failed connection attempt answers for every command before the next command dials again. */
const retryAfter = Duration.seconds(1)

interface Connected {
  readonly redis: Redis.Redis["Service"]
  /** False once node-redis has given the connection up for good (it will not reconnect by itself). */
  readonly isOpen: () => boolean
  readonly scope: Scope.Closeable
}

/**
 * A Redis connection made by the first command that needs it, not at start: a node starts while Redis is
 * down (its ledger answers LedgerUnavailable, the API 503) and needs no restart once Redis is back, as with
 * the PostgreSQL pool. `NodeRedis.layer` connects when built and fails on the first refusal, so it is built
 * here, in a scope of its own under the caller's, and built again when needed:
 * - concurrent commands share one attempt; a failed attempt answers every command for `retryAfter` (they
 *   fail at once, rather than each dialling a Redis that is down and logging why), then the next dials;
 * - a connected client is kept; node-redis reconnects it by itself, and when it gives up for good (it does
 *   on a socket timeout) the next command connects anew.
 *
 * The attempt runs in a fiber of its own that callers join: building a layer cannot be interrupted, and a
 * caller's timeout must not wait for it. node-redis bounds the attempt itself (its connect and socket
 * timeouts), so it ends even against a server that takes the connection and never answers.
 */
export const connectOnDemand = (
  layer: Layer.Layer<Redis.Redis | NodeRedis.NodeRedis, Redis.RedisError>
): Effect.Effect<Effect.Effect<Redis.Redis["Service"], Redis.RedisError>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const parent = yield* Effect.scope
    let attempt: Fiber.Fiber<Connected, Redis.RedisError> | undefined
    let retryAt = 0

    const connect = Effect.gen(function*() {
      const scope = yield* Scope.fork(parent)
      const context = yield* Layer.buildWithScope(layer, scope).pipe(
        Effect.tapError(() =>
          Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => void (retryAt = now + Duration.toMillis(retryAfter))))
        ),
        // In the background: node-redis's close() waits for replies that may never come.
        Effect.onError(() => Effect.forkDetach(Scope.close(scope, Exit.void)))
      )
      const { client } = Context.get(context, NodeRedis.NodeRedis)
      return { redis: Context.get(context, Redis.Redis), isOpen: () => client.isOpen, scope }
    })
    const start = Effect.tap(Effect.forkIn(connect, parent), (fiber) => Effect.sync(() => void (attempt = fiber)))

    return Effect.gen(function*() {
      const exit = attempt?.pollUnsafe()
      let fiber = attempt
      if (fiber === undefined) fiber = yield* start
      else if (exit !== undefined && Exit.isSuccess(exit) && !exit.value.isOpen()) {
        yield* Effect.forkDetach(Scope.close(exit.value.scope, Exit.void))
        fiber = yield* start
      } else if (exit !== undefined && Exit.isFailure(exit) && (yield* Clock.currentTimeMillis) >= retryAt) {
        fiber = yield* start
      }
      // An attempt interrupted (the layer was released) is a failure to connect, not the caller's interruption.
      const connected = yield* Effect.exit(Fiber.join(fiber))
      if (Exit.isSuccess(connected)) return connected.value.redis
      return yield* Effect.fail(Option.getOrElse(
        Cause.findErrorOption(connected.cause),
        () => new Redis.RedisError({ cause: new Error("the Redis ledger's layer was released") })
      ))
    })
  })
