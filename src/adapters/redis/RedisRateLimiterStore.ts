import { Effect, Layer } from "effect"
import { layerStoreRedis } from "effect/persistence/RateLimiter"

export interface RedisRateLimiterStoreOptions {
  /** e.g. "redis://127.0.0.1:6379". */
  readonly url: string
  /** Prepended to every key, so one Redis can serve several deployments. Default "authfx:ratelimit:". */
  readonly prefix?: string
}

/**
 * Rate-limit counters in Redis: Effect's own store (one Lua script per step, so atomic for every node on
 * the Redis) over `@effect/platform-node`'s NodeRedis client (the optional `redis` peer dependency).
 * Commands fail at once while the connection is down (no offline queue), so a Redis outage is answered by
 * each rule's `onStoreDown` instead of requests waiting for a reconnect. The client module (and `redis`) is
 * loaded when the layer is built, so an application without Redis never needs the package.
 */
export const layer = (options: RedisRateLimiterStoreOptions) =>
  Layer.unwrap(Effect.map(
    Effect.promise(() => import("@effect/platform-node/NodeRedis")),
    (NodeRedis) =>
      layerStoreRedis({ prefix: options.prefix ?? "authfx:ratelimit:" }).pipe(
        Layer.provide(NodeRedis.layer({ url: options.url, disableOfflineQueue: true }))
      )
  ))
