import { Data } from "effect"

/**
 * What went wrong with a statement, reduced to what the adapters act on. Built only from error codes and
 * names, never from the server's message or detail: those quote the offending values (an e-mail address,
 * a token), and errors must carry no personal data or secrets.
 */
export type SqlFailure =
  | { readonly _tag: "UniqueViolation"; readonly table: string | null; readonly constraint: string | null }
  | { readonly _tag: "ForeignKeyViolation"; readonly table: string | null; readonly constraint: string | null }
  | { readonly _tag: "Unavailable"; readonly message: string }

/** A failed statement. `cause` is the driver's error stripped to its codes (see `safeCause`). */
export class SqlError extends Data.TaggedError("SqlError")<{
  readonly failure: SqlFailure
  readonly cause: Error
}> {}

/**
 * The constraints the adapters recognise, by name (migrations/0002 creates them under these names). A
 * violation of any other constraint, say a primary key after ids were imported behind a sequence's back,
 * is reported with its name rather than guessed at.
 */
export const constraints = {
  userEmail: "users_email_key",
  accountProviderId: "accounts_provider_account_key",
  accountUserProvider: "accounts_user_provider_key",
  accountUser: "accounts_user_fkey",
  sessionUser: "sessions_user_fkey",
  // migrations/0014: Auth.js's (Drizzle's) names for the authenticator table.
  authenticatorCredential: "authenticator_credentialID_unique",
  authenticatorPrimaryKey: "authenticator_pkey",
  authenticatorUser: "authenticator_userId_fkey"
} as const

interface DriverError {
  readonly name: string
  readonly code: string
  readonly table: string | null
  readonly constraint: string | null
  /** Only for network errors: host and port, which say where, not who. */
  readonly address: string | null
  readonly fromServer: boolean
}

const text = (value: unknown): string | null => (typeof value === "string" && value.length > 0 ? value : null)

const driverError = (cause: unknown): DriverError | null => {
  if (typeof cause !== "object" || cause === null) return null
  const record = cause as Record<string, unknown>
  const code = text(record["code"])
  if (code === null) return null
  const address = text(record["address"])
  const port = typeof record["port"] === "number" ? `:${record["port"]}` : ""
  return {
    name: text(record["name"]) ?? "Error",
    code,
    table: text(record["table_name"]),
    constraint: text(record["constraint_name"]),
    address: address === null ? null : `${address}${port}`,
    fromServer: record["name"] === "PostgresError"
  }
}

const serverMessage = (code: string): string => {
  if (code === "57P01") return "PostgreSQL ended the connection (server shutdown, or pg_terminate_backend)"
  if (code === "57P02") return "PostgreSQL is restarting after a crash"
  if (code === "57P03") return "PostgreSQL is starting up or shutting down"
  if (code === "57014") return "PostgreSQL cancelled the statement (statement_timeout, or a cancel request)"
  if (code === "55P03") return "PostgreSQL timed out waiting for a lock"
  if (code === "40001" || code === "40P01") return "a concurrent transaction conflicted with this one; retry"
  if (code === "25006") return "the database is read-only (a standby?)"
  if (code === "3D000") return "the database named in the connection URL does not exist"
  if (code === "42P01" || code === "42703" || code === "3F000" || code === "42883") {
    return "the authfx tables are missing or out of date: run `authfx migrate`"
  }
  if (code === "22001") return "a value is longer than its column allows"
  if (code.startsWith("08")) return "the connection to PostgreSQL failed"
  if (code.startsWith("28")) return "PostgreSQL rejected the login"
  if (code.startsWith("53")) return "PostgreSQL is out of resources (too many connections, disk full?)"
  if (code.startsWith("23")) return "PostgreSQL refused the write (a constraint the adapter does not expect)"
  return "PostgreSQL failed the statement"
}

const clientMessage = (code: string): string => {
  switch (code) {
    case "ECONNREFUSED":
      return "PostgreSQL refused the connection: is the server running?"
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "the PostgreSQL host name does not resolve"
    case "CONNECT_TIMEOUT":
    case "ETIMEDOUT":
      return "connecting to PostgreSQL timed out"
    case "CONNECTION_CLOSED":
    case "CONNECTION_DESTROYED":
    case "ECONNRESET":
    case "EPIPE":
      return "the connection to PostgreSQL was lost"
    case "CONNECTION_ENDED":
      return "the PostgreSQL connection pool has been closed"
    default:
      return "talking to PostgreSQL failed"
  }
}

/** Reduces a driver error to a `SqlFailure`. Anything not a constraint violation is an outage to the caller. */
export const classify = (cause: unknown): SqlFailure => {
  const error = driverError(cause)
  if (error === null) return { _tag: "Unavailable", message: "unexpected failure talking to PostgreSQL" }
  if (error.fromServer && error.code === "23505") {
    return { _tag: "UniqueViolation", table: error.table, constraint: error.constraint }
  }
  if (error.fromServer && error.code === "23503") {
    return { _tag: "ForeignKeyViolation", table: error.table, constraint: error.constraint }
  }
  const where = error.address === null ? "" : ` at ${error.address}`
  const message = error.fromServer ? serverMessage(error.code) : `${clientMessage(error.code)}${where}`
  return { _tag: "Unavailable", message: `${message} (${error.code})` }
}

/** The driver's error as name and codes only, for a `cause` that may end up in logs. */
export const safeCause = (cause: unknown): Error => {
  const error = driverError(cause)
  const safe = new Error(
    error === null
      ? "non-driver failure"
      : [error.code, error.constraint, error.table, error.address].filter((part) => part !== null).join(" ")
  )
  safe.name = error?.name ?? (cause instanceof Error ? cause.name : "Error")
  return safe
}

export const sqlError = (cause: unknown): SqlError => new SqlError({ failure: classify(cause), cause: safeCause(cause) })

/** What an operation reports when the failure is not one it turns into a domain error. */
export const unavailableMessage = (error: SqlError): string =>
  error.failure._tag === "Unavailable"
    ? error.failure.message
    : `PostgreSQL refused the write: constraint ${error.failure.constraint ?? "(unnamed)"} was not expected here`

export const isUniqueViolation = (error: SqlError, ...names: ReadonlyArray<string>): boolean =>
  error.failure._tag === "UniqueViolation" && error.failure.constraint !== null && names.includes(error.failure.constraint)

export const isForeignKeyViolation = (error: SqlError, constraint: string): boolean =>
  error.failure._tag === "ForeignKeyViolation" && error.failure.constraint === constraint
