import { Schema } from "effect"
import { UsersUnavailable } from "../../ports/Users.ts"

/**
 * The Auth.js adapter lacks methods the bridge needs. Raised when the layer is built, so a deployment that
 * cannot work fails at start with the list, not at the first sign-in with "is not a function".
 */
export class AuthjsAdapterIncomplete extends Schema.TaggedError<AuthjsAdapterIncomplete>()("AuthjsAdapterIncomplete", {
  missing: Schema.Array(Schema.String),
  message: Schema.String
}) {}

/**
 * What a failed adapter call was, as far as the bridge can tell from outside. Auth.js adapters throw whatever
 * their driver throws (or wrap it: Drizzle, Prisma), so this looks for the codes drivers put on their errors,
 * down the `cause` chain.
 */
export type AdapterFailure = "UniqueViolation" | "ForeignKeyViolation" | "Other"

/** Lets an application teach the bridge its driver's codes; `null` falls back to the built-in recognition. */
export type ClassifyError = (error: unknown) => AdapterFailure | null

// By driver: node-postgres / postgres.js (SQLSTATE), mysql2 (code and errno), SQLite (better-sqlite3,
// node:sqlite, libsql: extended result codes), MongoDB (numeric code), Prisma (P-codes). Everything else,
// including an adapter that enforces nothing (unstorage, most key-value stores), cannot be recognised.
const uniqueCodes = new Set<unknown>([
  "23505",
  "ER_DUP_ENTRY",
  1062,
  "SQLITE_CONSTRAINT_UNIQUE",
  "SQLITE_CONSTRAINT_PRIMARYKEY",
  2067,
  1555,
  11000,
  11001,
  "P2002"
])
const foreignKeyCodes = new Set<unknown>([
  "23503",
  "ER_NO_REFERENCED_ROW_2",
  "ER_NO_REFERENCED_ROW",
  1452,
  1216,
  "SQLITE_CONSTRAINT_FOREIGNKEY",
  787,
  "P2003"
])

const field = (value: unknown, key: string): unknown =>
  typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined

/** The error and the errors it wraps (`cause`, Drizzle's and Kysely's too), at most a few levels deep. */
const chain = (error: unknown): ReadonlyArray<unknown> => {
  const links: Array<unknown> = []
  let current = error
  while (current !== undefined && current !== null && links.length < 5 && !links.includes(current)) {
    links.push(current)
    current = field(current, "cause")
  }
  return links
}

export const classify = (error: unknown, custom?: ClassifyError): AdapterFailure => {
  const decided = custom?.(error)
  if (decided !== undefined && decided !== null) return decided
  for (const link of chain(error)) {
    const codes = [field(link, "code"), field(link, "errno")]
    if (codes.some((code) => uniqueCodes.has(code))) return "UniqueViolation"
    if (codes.some((code) => foreignKeyCodes.has(code))) return "ForeignKeyViolation"
  }
  return "Other"
}

const shortCode = (value: unknown): string | null =>
  (typeof value === "string" && /^[A-Za-z0-9_.-]{1,40}$/.test(value)) || (typeof value === "number" && Number.isInteger(value))
    ? String(value)
    : null

/**
 * The error as class name and codes only. Driver messages quote the offending values ("Key (email)=(…)
 * already exists", a token in a WHERE clause): errors must carry no personal data, so messages are dropped.
 */
export const safeCause = (error: unknown): Error => {
  const parts: Array<string> = []
  for (const link of chain(error)) {
    const name = field(link, "name")
    const code = shortCode(field(link, "code")) ?? shortCode(field(link, "errno"))
    const label = [typeof name === "string" && /^[A-Za-z0-9_]{1,60}$/.test(name) ? name : null, code]
      .filter((part) => part !== null).join(" ")
    if (label !== "") parts.push(label)
  }
  const safe = new Error(parts.length === 0 ? "non-error failure" : parts.join(" <- "))
  safe.name = "AuthjsAdapterError"
  return safe
}

/** An adapter call that failed in a way the operation does not turn into a domain error. */
export const adapterUnavailable = (method: string, error: unknown): UsersUnavailable => {
  const cause = safeCause(error)
  return new UsersUnavailable({ message: `the Auth.js adapter's ${method} failed (${cause.message})`, cause })
}
