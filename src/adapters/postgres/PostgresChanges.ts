import { Context, Duration, Effect, Layer, Option } from "effect"
import type postgres from "postgres"
import { PostgresClient } from "./PostgresClient.ts"

/** What a cache kept true by the change feed is told. */
export interface ChangeSubscriber {
  /** One changed row, as migration 0009 announces it: `l<ledger key>`, `s<session token hash>`, `u<user id>`. */
  readonly onChange: (payload: string) => void
  /** The listener (re)connected: changes made while it was away were not announced, so drop everything. */
  readonly onReset: () => void
}

export interface Changes {
  /**
   * Whether a cache may answer now. True only while this node's own heartbeat, sent at most `boundMillis`
   * ago, has come back on the listening connection: PostgreSQL delivers notifications in commit order, so
   * every change committed before that heartbeat was sent has been handed to the subscribers already.
   * Hence the bound: a change committed at time c is never missing from a fresh cache after c + boundMillis.
   */
  readonly isFresh: () => boolean
  readonly boundMillis: number
  /** Adds a subscriber for as long as the node runs. Call it while building a layer. */
  readonly subscribe: (subscriber: ChangeSubscriber) => void
}

/** The notifications of migration 0009 on one connection of its own, with a heartbeat that proves it is not behind. */
export class PostgresChanges extends Context.Service<PostgresChanges, Changes>()("authfx/PostgresChanges") {}

export interface ChangesOptions {
  /**
   * How stale a cache may be: the longest a node answers from its cache after a change another node committed
   * (a sign-out, a revocation). Past it without a heartbeat back, the node reads the database on every request
   * until its listener has caught up. Default 1 second; at least 20 milliseconds.
   */
  readonly freshnessBound?: Duration.Input
}

/** Where migration 0009's triggers send a schema's changes (a channel name has at most 63 bytes). */
export const channelOf = (schema: string) => `authfx:${schema}`.slice(0, 63)

const boundOf = (input: Duration.Input | undefined): number => {
  if (input === undefined) return 1000
  const duration = Duration.fromInput(input)
  return Option.isSome(duration) ? Math.max(20, Duration.toMillis(duration.value)) : 1000
}

/**
 * The change feed: `LISTEN` on a connection outside the pool (application_name `<name>:listener`, so an operator
 * can tell it apart), and a heartbeat `NOTIFY` through the pool every quarter of the bound. Freshness is real
 * elapsed time (performance.now), not the Clock: it measures how late deliveries are, not the domain's time.
 *
 * postgres.js re-LISTENs by itself when its connection closes, and `onlisten` then resets every subscriber. If
 * that attempt fails (the server was down), it never tries again: so when no heartbeat has come back for three
 * bounds, the listener is replaced by a new one. Building the layer opens no connection: the first tick does.
 */
export const make = (options: ChangesOptions = {}) =>
  Effect.gen(function*() {
    const client = yield* PostgresClient
    const boundMillis = boundOf(options.freshnessBound)
    const tickMillis = Math.max(5, Math.floor(boundMillis / 4))
    const node = crypto.randomUUID()
    const subscribers: Array<ChangeSubscriber> = []
    const sent = new Map<number, number>()
    let seq = 0
    let inFlight = 0
    let lastSeen = Number.NEGATIVE_INFINITY
    let channel: string | null = null
    let listener: postgres.Sql | null = null
    let listening = false
    let lastStart = Number.NEGATIVE_INFINITY
    let starting = false
    let closed = false

    const onNotify = (payload: string) => {
      if (payload.startsWith("h")) {
        const colon = payload.indexOf(":")
        if (payload.slice(1, colon) !== node) return
        const at = sent.get(Number(payload.slice(colon + 1)))
        if (at !== undefined && at > lastSeen) lastSeen = at
        return
      }
      for (const subscriber of subscribers) subscriber.onChange(payload)
    }
    const onListen = () => {
      // Whatever was cached may have missed changes while no connection listened; freshness must be shown anew.
      lastSeen = Number.NEGATIVE_INFINITY
      listening = true
      for (const subscriber of subscribers) subscriber.onReset()
    }

    const startListener = async () => {
      lastStart = performance.now()
      listening = false
      const previous = listener
      listener = null
      if (previous !== null) void previous.end({ timeout: 0 }).catch(() => undefined)
      if (channel === null) {
        const rows = await Effect.runPromise(
          client.run((db) => db<ReadonlyArray<{ readonly schema: string }>>`SELECT current_schema() AS schema`)
        )
        channel = channelOf(rows[0]!.schema)
      }
      const fresh = client.listenerConnection("listener")
      listener = fresh
      if (closed) return void fresh.end({ timeout: 0 }).catch(() => undefined)
      await fresh.listen(channel, onNotify, () => {
        if (listener === fresh) onListen()
      })
    }

    const heartbeat = async () => {
      const target = channel
      if (target === null || !listening || inFlight >= 2) return
      const n = ++seq
      // Recorded before it is sent: the heartbeat proves delivery of what committed before this moment only.
      sent.set(n, performance.now())
      inFlight++
      try {
        await Effect.runPromise(client.run((db) => db`SELECT pg_notify(${target}, ${`h${node}:${n}`})`))
      } finally {
        inFlight--
      }
    }

    const tick = () => {
      const now = performance.now()
      for (const [n, at] of sent) if (now - at > 4 * boundMillis) sent.delete(n)
      const silent = now - Math.max(lastSeen, lastStart) > 3 * boundMillis
      if (!starting && (listener === null || (silent && now - lastStart > Math.max(2 * boundMillis, 1000)))) {
        starting = true
        startListener().catch(() => {
          listening = false
        }).finally(() => {
          starting = false
        })
      }
      heartbeat().catch(() => undefined)
    }

    yield* Effect.acquireRelease(
      Effect.sync(() => {
        const timer = setInterval(tick, tickMillis)
        timer.unref()
        queueMicrotask(tick)
        return timer
      }),
      (timer) =>
        Effect.promise(async () => {
          closed = true
          clearInterval(timer)
          await listener?.end({ timeout: 1 }).catch(() => undefined)
        })
    )

    return PostgresChanges.of({
      isFresh: () => listening && performance.now() - lastSeen <= boundMillis,
      boundMillis,
      subscribe: (subscriber) => void subscribers.push(subscriber)
    })
  })

export const layer = (options: ChangesOptions = {}): Layer.Layer<PostgresChanges, never, PostgresClient> =>
  Layer.effect(PostgresChanges, make(options))
