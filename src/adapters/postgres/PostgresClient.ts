import { Config, Context, Duration, Effect, Layer, Option, Redacted, Schema, type Scope } from "effect"
import postgres from "postgres"
import { SqlError, sqlError } from "./sqlErrors.ts"

export interface Options {
  /** `postgres://user:password@host:port/database?sslmode=require`; Redacted because it usually holds a password. */
  readonly url: Redacted.Redacted<string>
  /** Most connections the pool opens. Default 10. */
  readonly max?: number
  /** An unused connection closes after this long. Default 60 seconds. */
  readonly idleTimeout?: Duration.Input
  /** Opening a connection fails after this long. Default 10 seconds. */
  readonly connectTimeout?: Duration.Input
  /**
   * After failed connection attempts the pool waits before the next one, doubling from 50 ms up to this
   * (with jitter). Default 1 second: during an outage a request fails within about that long, and the pool
   * reconnects within about that long of the database coming back. (postgres.js alone waits up to 20 s.)
   */
  readonly maxReconnectDelay?: Duration.Input
  /**
   * A statement the adapters run that has no answer after this long fails as unavailable, and the pool is
   * replaced by a fresh one (see `run`). Default: `statementTimeout` plus 1 second, so the server's cancel
   * answers first when the server can. Migrations are exempt.
   */
  readonly queryTimeout?: Duration.Input
  /** The server cancels any statement running longer (`statement_timeout`). Default 5 seconds. Migrations are exempt. */
  readonly statementTimeout?: Duration.Input
  /**
   * The server ends a connection whose transaction has waited this long for its next statement
   * (`idle_in_transaction_session_timeout`), releasing its locks when this process is wedged or gone.
   * Default 10 seconds.
   */
  readonly idleInTransactionTimeout?: Duration.Input
  /**
   * The schema holding the authfx tables (it becomes the connections' `search_path`); `authfx migrate`
   * creates it. Default: the server's `search_path`, usually `public`.
   */
  readonly schema?: string
  /** Shown in `pg_stat_activity`, so operators can tell authfx's connections apart. Default "authfx". */
  readonly applicationName?: string
  /** Called with each NOTICE the server sends (migrations report what they repaired this way). Default: dropped. */
  readonly onNotice?: (notice: { readonly code: string; readonly message: string }) => void
}

/** The options cannot make a client; `message` names the option, never the URL (it may hold a password). */
export class InvalidPostgresOptions extends Schema.TaggedError<InvalidPostgresOptions>()("InvalidPostgresOptions", {
  message: Schema.String
}) {}

/** What a statement returns before it is awaited: postgres.js queries can be cancelled. */
export type Pending<A> = PromiseLike<A> & { readonly cancel?: () => void }

export interface Client {
  /** The pool as it is now. Read it for each use: it is replaced after a wedge (see `run`). */
  readonly sql: postgres.Sql
  /** The configured schema, if any: migrations create it. */
  readonly schema: string | null
  /**
   * Runs one statement (or one `sql.begin` transaction) on the current pool as an Effect. Interrupting it
   * cancels the statement on the server. If no answer comes within `queryTimeout`, it fails as unavailable
   * and the pool is replaced: postgres.js 3.4.9 can leave a query unsettled for good, and its connection
   * stuck, when the server ends connections under load (pg_terminate_backend, a restart), and a fresh pool
   * is the only way back from that without a process restart.
   */
  readonly run: <A>(query: (sql: postgres.Sql) => Pending<A>) => Effect.Effect<A, SqlError>
  /**
   * A client of its own over one connection that stays open, closed with the scope: for session state that
   * must outlive a statement (an advisory lock held between jobs). Same settings and deadline as the pool.
   */
  readonly dedicated: Effect.Effect<Client, never, Scope.Scope>
  /**
   * A connection of its own outside the pool (one at most, never idled out), on the same server and schema,
   * shown in `pg_stat_activity` as `<applicationName>:<role>`: for LISTEN, which holds its connection for good.
   * The caller ends it.
   */
  readonly listenerConnection: (role: string) => postgres.Sql
}

/** The connection pool the PostgreSQL adapters share. */
export class PostgresClient extends Context.Service<PostgresClient, Client>()("authfx/PostgresClient") {}

// Unquoted identifiers only: the name goes into search_path and into `CREATE SCHEMA` without quoting rules to get wrong.
const schemaName = /^[a-z_][a-z0-9_]{0,62}$/

const seconds = (input: Duration.Input | undefined, fallback: number): number | undefined => {
  if (input === undefined) return fallback
  const duration = Duration.fromInput(input)
  return Option.isSome(duration) ? Duration.toSeconds(duration.value) : undefined
}

const validate = (options: Options) => {
  const invalid = (message: string) => Effect.fail(new InvalidPostgresOptions({ message }))
  if (options.schema !== undefined && !schemaName.test(options.schema)) {
    return invalid("schema must be a lower-case unquoted identifier like authfx")
  }
  const max = options.max ?? 10
  if (!Number.isSafeInteger(max) || max < 1) return invalid("max must be a whole number of connections, 1 or more")
  const idle = seconds(options.idleTimeout, 60)
  const connect = seconds(options.connectTimeout, 10)
  const reconnect = seconds(options.maxReconnectDelay, 1)
  const statement = seconds(options.statementTimeout, 5)
  const deadline = seconds(options.queryTimeout, (statement ?? 0) + 1)
  const idleInTransaction = seconds(options.idleInTransactionTimeout, 10)
  if (idle === undefined || idle <= 0) return invalid("idleTimeout must be a positive duration")
  if (connect === undefined || connect <= 0) return invalid("connectTimeout must be a positive duration")
  if (reconnect === undefined || reconnect < 0) return invalid("maxReconnectDelay must be a duration")
  if (deadline === undefined || deadline <= 0) return invalid("queryTimeout must be a positive duration")
  if (statement === undefined || statement <= 0) return invalid("statementTimeout must be a positive duration")
  if (idleInTransaction === undefined || idleInTransaction <= 0) {
    return invalid("idleInTransactionTimeout must be a positive duration")
  }
  return Effect.succeed({ max, idle, connect, reconnect, deadline, statement, idleInTransaction })
}

/**
 * Asks the server to cancel a statement we stopped waiting for. postgres.js types `cancel` as returning
 * nothing, but it returns a promise that rejects when the cancel request cannot be delivered (the server
 * being down is why we stopped waiting, often): that rejection must not become an unhandled one.
 */
const cancelQuietly = (pending: Pending<unknown>) => {
  try {
    const result: unknown = pending.cancel?.()
    if (result instanceof Promise) result.catch(() => undefined)
  } catch {
    // Nothing to do: the caller has moved on, and the server times the statement out by itself.
  }
}

const isUnansweredResult = (value: unknown): boolean =>
  Array.isArray(value) && Object.hasOwn(value, "command") && Reflect.get(value, "command") === null

/** False for a postgres.js result (or a transaction's list of them) that the server never completed. */
const answered = (value: unknown): boolean =>
  !isUnansweredResult(value) && !(Array.isArray(value) && value.some(isUnansweredResult))

/** How long a replaced pool's healthy statements may still finish before its connections are cut. */
const drainSeconds = 5

interface PoolSettings {
  /** Opens the pool; called again to replace a wedged one. */
  readonly open: () => postgres.Sql
  readonly deadline: number
  readonly schema: string | null
  readonly dedicated: Client["dedicated"]
  readonly listenerConnection: Client["listenerConnection"]
}

/** A client over pools that `open` makes: statements with a deadline, the pool replaced after a wedge. */
const poolClient = (settings: PoolSettings) =>
  Effect.gen(function*() {
    const { deadline, open } = settings
    let current = open()
    const draining = new Set<Promise<void>>()
    // Bounded: after a backend was killed mid-query, postgres.js can wait forever for a clean close.
    const retire = (pool: postgres.Sql) => {
      const ended = pool.end({ timeout: drainSeconds }).catch(() => undefined)
      draining.add(ended)
      void ended.then(() => draining.delete(ended))
    }
    yield* Effect.addFinalizer(() => Effect.promise(() => Promise.all([...draining, current.end({ timeout: drainSeconds })])))

    // postgres.js can settle a statement that a dead connection swallowed with an empty result, at the next
    // connection's start: such a result never saw the server's CommandComplete, so its `command` is null.
    const lost = new SqlError({
      failure: { _tag: "Unavailable", message: "the connection to PostgreSQL was lost (the statement got no answer)" },
      cause: new Error("no CommandComplete")
    })

    const unanswered = new SqlError({
      failure: { _tag: "Unavailable", message: `PostgreSQL did not answer within ${deadline} seconds` },
      cause: new Error("queryTimeout")
    })

    const run = <A>(query: (sql: postgres.Sql) => Pending<A>): Effect.Effect<A, SqlError> =>
      Effect.suspend(() => {
        const pool = current
        return Effect.tryPromise({
          try: (signal) => {
            const pending = query(pool)
            signal.addEventListener("abort", () => cancelQuietly(pending), { once: true })
            return Promise.resolve(pending)
          },
          catch: sqlError
        }).pipe(
          Effect.flatMap((value) => (answered(value) ? Effect.succeed(value) : Effect.fail(lost))),
          Effect.timeoutOrElse({
            duration: Duration.seconds(deadline),
            // Only the first statement to notice replaces the pool; the others find it replaced already.
            orElse: () =>
              Effect.andThen(
                Effect.sync(() => {
                  if (current !== pool) return
                  current = open()
                  retire(pool)
                }),
                Effect.fail(unanswered)
              )
          })
        )
      })

    return PostgresClient.of({
      get sql() {
        return current
      },
      schema: settings.schema,
      run,
      dedicated: settings.dedicated,
      listenerConnection: settings.listenerConnection
    })
  })

/** Opens a pool (lazily: no connection until the first query, so a service starts while its database is down). */
export const make = (options: Options) =>
  Effect.gen(function*() {
    const { connect, deadline, idle, idleInTransaction, max, reconnect, statement } = yield* validate(options)
    const connection: Record<string, string | number> = {
      application_name: options.applicationName ?? "authfx",
      // The adapters' atomicity arguments (a blocked UPDATE re-checks its WHERE on the committed row) hold
      // under READ COMMITTED; a server defaulting to SERIALIZABLE would turn races into 40001 failures.
      default_transaction_isolation: "read committed",
      TimeZone: "UTC",
      // The server's own bounds, which hold even when this process cannot act: a statement running past the
      // first is cancelled, a transaction left open (its client wedged or gone quiet) is ended after the second.
      statement_timeout: Math.ceil(statement * 1000),
      idle_in_transaction_session_timeout: Math.ceil(idleInTransaction * 1000)
    }
    if (options.schema !== undefined) connection["search_path"] = options.schema
    const onNotice = options.onNotice
    const open = (overrides: Partial<postgres.Options<{}>>) => () =>
      postgres(Redacted.value(options.url), {
        max,
        idle_timeout: idle,
        connect_timeout: connect,
        backoff: (retries: number) => Math.min(0.05 * 2 ** retries, reconnect) * (0.5 + Math.random() / 2),
        connection,
        // No custom types are used; skipping the lookup saves a round trip per new connection.
        fetch_types: false,
        onnotice: (notice) => onNotice?.({ code: String(notice["code"]), message: String(notice["message"]) }),
        ...overrides
      })
    const schema = options.schema ?? null
    // One connection that stays open (no idle timeout, no lifetime): what a session-level advisory lock lives on.
    const single = { max: 1, idle_timeout: 0, max_lifetime: 0 }
    const listenerConnection = (role: string) =>
      open({ ...single, connection: { ...connection, application_name: `${connection["application_name"]}:${role}` } })()
    const dedicated = poolClient({
      open: open(single),
      deadline,
      schema,
      dedicated: Effect.die("a dedicated connection has no dedicated connection of its own"),
      listenerConnection
    })
    return yield* poolClient({ open: open({}), deadline, schema, dedicated, listenerConnection })
  })

export const layer = (options: Options): Layer.Layer<PostgresClient, InvalidPostgresOptions> =>
  Layer.effect(PostgresClient, make(options))

/** Each optional duration setting and the variable that gives it. */
const durationVariables = {
  connectTimeout: "DATABASE_CONNECT_TIMEOUT",
  statementTimeout: "DATABASE_STATEMENT_TIMEOUT",
  queryTimeout: "DATABASE_QUERY_TIMEOUT",
  idleTimeout: "DATABASE_IDLE_TIMEOUT",
  idleInTransactionTimeout: "DATABASE_IDLE_IN_TRANSACTION_TIMEOUT"
} as const

type DurationSetting = keyof typeof durationVariables

const present = <K extends string, A>(key: K, value: Option.Option<A>): { readonly [P in K]?: A } =>
  (Option.isSome(value) ? { [key]: value.value } : {}) as { readonly [P in K]?: A }

/**
 * From the environment: DATABASE_URL, and optionally DATABASE_POOL_MAX, DATABASE_SCHEMA and the timeouts
 * DATABASE_CONNECT_TIMEOUT, DATABASE_STATEMENT_TIMEOUT, DATABASE_QUERY_TIMEOUT, DATABASE_IDLE_TIMEOUT and
 * DATABASE_IDLE_IN_TRANSACTION_TIMEOUT (durations like "5 seconds").
 */
export const config = Config.all({
  url: Config.Redacted("DATABASE_URL"),
  max: Config.option(Config.Int("DATABASE_POOL_MAX")),
  schema: Config.option(Config.String("DATABASE_SCHEMA")),
  durations: Config.all(
    Object.fromEntries(
      Object.entries(durationVariables).map(([key, name]) => [key, Config.option(Config.Duration(name))])
    ) as Record<DurationSetting, Config.Config<Option.Option<Duration.Duration>>>
  )
}).pipe(Config.map((env): Options => {
  let options: Options = { url: env.url, ...present("max", env.max), ...present("schema", env.schema) }
  for (const key of Object.keys(durationVariables) as Array<DurationSetting>) {
    options = { ...options, ...present(key, env.durations[key]) }
  }
  return options
}))

export const layerConfig = (overrides: Partial<Options> = {}) =>
  Layer.effect(
    PostgresClient,
    Effect.gen(function*() {
      return yield* make({ ...(yield* config), ...overrides })
    })
  )
