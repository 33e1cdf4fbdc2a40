import { Cache, Cause, Context, Duration, Effect, Exit, Layer, Scope } from "effect"
import * as Redis from "effect/persistence/Redis"

const retryAfter = Duration.seconds(1)

/**
 * A Redis connection made by the first command that needs it, not at start: a node starts while Redis is
 * down (its ledger answers LedgerUnavailable, the API 503) and needs no restart once Redis is back, as with
 * the PostgreSQL pool. `NodeRedis.layer` connects when built and fails on the first refusal, so it is built
 * here, in a scope of its own under the caller's: concurrent commands share one attempt, a failed attempt is
 * remembered for `retryAfter` (the commands of that second fail at once, rather than each dialling a Redis
 * that is down and logging why) and then forgotten, and a connected one is kept until the caller's scope
 * closes. Once connected, node-redis reconnects by itself.
 *
 * An attempt is bounded by `timeout`: a server that takes the TCP connection but never answers the
 * handshake would otherwise hold every later command behind it. Its scope is closed in the background,
 * because node-redis's `close()` waits for the replies that will not come.
 */
export const connectOnDemand = (
  layer: Layer.Layer<Redis.Redis, Redis.RedisError>,
  timeout: Duration.Input
): Effect.Effect<Effect.Effect<Redis.Redis["Service"], Redis.RedisError>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const parent = yield* Effect.scope
    const attempt = Effect.gen(function*() {
      const scope = yield* Scope.fork(parent)
      return yield* Layer.buildWithScope(layer, scope).pipe(
        Effect.map(Context.get(Redis.Redis)),
        Effect.timeoutOrElse({
          duration: timeout,
          orElse: () => Effect.fail(new Redis.RedisError({ cause: new Cause.TimeoutError("Redis did not answer the connection") }))
        }),
        Effect.onError(() => Effect.forkDetach(Scope.close(scope, Exit.void)))
      )
    })
    const connections = yield* Cache.makeWith((_: "redis") => attempt, {
      capacity: 1,
      timeToLive: (exit) => (Exit.isSuccess(exit) ? Duration.infinity : retryAfter)
    })
    return Cache.get(connections, "redis")
  })
