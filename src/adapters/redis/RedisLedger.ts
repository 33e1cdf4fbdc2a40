import * as NodeRedis from "@effect/platform-node/NodeRedis"
import { Cause, Clock, Duration, Effect, Layer, Option, Redacted } from "effect"
import * as Redis from "effect/persistence/Redis"
import { Ledger, type LedgerEntry, LedgerUnavailable } from "../../ports/Ledger.ts"
import { connectOnDemand } from "./connectOnDemand.ts"
import * as scripts from "./ledgerScripts.ts"
import { decodeEntry, encodeEntry, timeToLive } from "./storedEntry.ts"

export interface RedisLedgerOptions {
  /**
   * Put before every key the ledger writes, so it shares a Redis with other data (and tests with each other).
   * Default `authfx:`.
   */
  readonly keyPrefix?: string
  /**
   * The longest one primitive may take, connecting included, before it answers LedgerUnavailable rather
   * than keep a request waiting. Default 2 seconds.
   */
  readonly timeout?: Duration.Input
}

export interface RedisLedgerUrlOptions extends RedisLedgerOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS). */
  readonly url: string | Redacted.Redacted<string>
}

export const defaultKeyPrefix = "authfx:"
const defaultTimeout = Duration.seconds(2)

/** Names the operation, never a key or a value: keys hold session ids and user ids. */
const unavailable = (operation: string, cause: unknown) =>
  new LedgerUnavailable({
    message: `the Redis ledger could not ${operation}: ${Cause.isTimeoutError(cause) ? "timed out" : "Redis did not answer"}`,
    cause
  })

const misfit = new LedgerUnavailable({ message: "a Redis ledger key does not hold what the ledger writes" })

/**
 * The Ledger on Redis, shared by every node that uses the same Redis and key prefix. An entry is one string
 * key (storedEntry.ts) whose Redis expiry is set with the entry, so Redis drops what has expired by itself:
 * `sweep` has nothing to do and answers 0. Expiry as the contract means it is judged by the node's Clock
 * against the expiry stored in the entry, as the SQL stores do, so an entry is absent from its `expiresAt`
 * even before Redis drops the key. The conditional primitives are Lua scripts (ledgerScripts.ts), each one
 * atomic step in Redis. Reads answer later (a network round trip), so there is no `sync`.
 *
 * `redis` gives the Redis service for each command (see connectOnDemand): its failure, and any primitive
 * slower than `timeout`, is LedgerUnavailable.
 */
export const make = (
  redis: Effect.Effect<Redis.Redis["Service"], Redis.RedisError>,
  options: RedisLedgerOptions = {}
): Ledger["Service"] => {
  const prefix = options.keyPrefix ?? defaultKeyPrefix
  const timeout = options.timeout ?? defaultTimeout
  const keyOf = (key: string) => prefix + key
  const run = <A>(
    operation: string,
    command: (redis: Redis.Redis["Service"], now: number) => Effect.Effect<A, Redis.RedisError | LedgerUnavailable>
  ): Effect.Effect<A, LedgerUnavailable> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.flatMap(redis, (service) => command(service, now))).pipe(
      Effect.catchTag("RedisError", (error) => Effect.fail(unavailable(operation, error.cause))),
      Effect.timeoutOrElse({
        duration: timeout,
        orElse: () => Effect.fail(unavailable(operation, new Cause.TimeoutError()))
      })
    )
  const entryAt = (now: number) => (stored: string | null): Effect.Effect<Option.Option<LedgerEntry>, LedgerUnavailable> => {
    if (stored === null) return Effect.succeedNone
    const entry = decodeEntry(stored)
    if (entry === undefined) return Effect.fail(misfit)
    return Effect.succeed(entry.expiresAt.getTime() > now ? Option.some(entry) : Option.none())
  }

  return Ledger.of({
    get: (keys) =>
      keys.length === 0
        ? Effect.succeed([])
        : run("read entries", (service, now) =>
          service.send<ReadonlyArray<string | null>>("MGET", ...keys.map(keyOf)).pipe(
            Effect.flatMap((found) => Effect.forEach(found, entryAt(now)))
          )),
    // One command either way: SET … PX replaces whatever was there, expiry included.
    set: (key, entry) =>
      run("write an entry", (service, now) => {
        const ttl = timeToLive(entry, now)
        return Effect.asVoid(
          ttl > 0 ? service.send("SET", keyOf(key), encodeEntry(entry), "PX", String(ttl)) : service.send("DEL", keyOf(key))
        )
      }),
    compareAndSet: (key, expected, next) =>
      run("compare and set an entry", (service, now) =>
        service.eval(scripts.compareAndSet)(
          keyOf(key),
          now,
          Option.getOrNull(expected),
          encodeEntry(next),
          timeToLive(next, now)
        ).pipe(Effect.map((written) => written === 1))),
    increment: (key, by, expiresAt) =>
      run("increment a counter", (service, now) =>
        service.eval(scripts.increment)(
          keyOf(key),
          now,
          by,
          encodeEntry({ value: String(by), expiresAt }),
          timeToLive({ expiresAt }, now)
        ).pipe(Effect.flatMap(([count, expiry]) => {
          const counted = { count: Number(count), expiresAt: new Date(Number(expiry)) }
          return Number.isSafeInteger(counted.count) && Number.isSafeInteger(counted.expiresAt.getTime())
            ? Effect.succeed(counted)
            : Effect.fail(misfit)
        }))),
    deleteIf: (key, expected) =>
      run("delete an entry", (service, now) =>
        service.eval(scripts.deleteIf)(keyOf(key), now, expected).pipe(Effect.map((deleted) => deleted === 1))),
    // Redis deletes a key when its PX expiry passes (lazily on access, and by its own background cycle), and
    // every write sets one: there is nothing left for a sweep to delete.
    sweep: () => Effect.succeed(0),
    sync: Option.none()
  })
}

/** The Ledger over a Redis service already in the context (your own `NodeRedis.layer(…)`, say). */
export const layer = (options: RedisLedgerOptions = {}): Layer.Layer<Ledger, never, Redis.Redis> =>
  Layer.effect(Ledger, Redis.Redis.use((service) => Effect.succeed(make(Effect.succeed(service), options))))

/**
 * The Ledger on the Redis at `url`, through `@effect/platform-node`'s NodeRedis (the `redis` package).
 * Building it opens no connection (see connectOnDemand): the service starts while Redis is down. Commands
 * fail at once while the connection is down rather than queue (`disableOfflineQueue`), and node-redis
 * reconnects by itself. `timeout` bounds each primitive; the client's own timeouts are set from it.
 */
export const layerUrl = (options: RedisLedgerUrlOptions): Layer.Layer<Ledger> => {
  const millis = Duration.toMillis(options.timeout ?? defaultTimeout)
  const client = NodeRedis.layer({
    url: Redacted.isRedacted(options.url) ? Redacted.value(options.url) : options.url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: millis,
      // A socket silent this long is dropped: the one bound on a server that takes the connection and never
      // answers the handshake. The pings keep a healthy idle connection from looking silent.
      socketTimeout: 5 * millis
    },
    pingInterval: 2 * millis,
    commandOptions: { timeout: millis }
  })
  return Layer.effect(Ledger, Effect.map(connectOnDemand(client), (redis) => make(redis, options)))
}
