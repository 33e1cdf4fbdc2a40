import { Effect, type Option, Redacted, Schema, SchemaIssue } from "effect"
import { Account } from "../../domain/Account.ts"
import { Authenticator } from "../../domain/Passkey.ts"
import { Session } from "../../domain/Session.ts"
import { User, type UserId } from "../../domain/User.ts"
import { VerificationToken } from "../../domain/VerificationToken.ts"
import { UsersUnavailable } from "../../ports/Users.ts"
import { type SqlError, unavailableMessage } from "./sqlErrors.ts"

/**
 * Rows as postgres.js hands them over: column name to value, nothing promised. Each mapper below builds
 * the model's shape and lets the model's Schema vouch for it, so a row that an older Auth.js (or a hand)
 * wrote differently is reported instead of travelling on as a lie.
 */
export type Row = Readonly<Record<string, unknown>>

const issuePaths = SchemaIssue.makeFormatterStandardSchemaV1()

/** A row the model rejects. Names only the table and the failing columns: the values may be personal data. */
const misfit = (table: string, error: Schema.SchemaError) => {
  const columns = [...new Set(issuePaths(error.issue).issues.map((issue) => String(issue.path?.[0] ?? "?")))]
  return new UsersUnavailable({
    message: `a stored ${table} row does not match the authfx model (${columns.join(", ")})`
  })
}

const decoder = <S extends Schema.Top & { readonly DecodingServices: never }>(schema: S, table: string) => {
  const decode = Schema.decodeUnknownEffect(schema)
  return (candidate: unknown): Effect.Effect<S["Type"], UsersUnavailable> =>
    Effect.mapError(decode(candidate), (error) => misfit(table, error))
}

/** Auth.js's SERIAL ids arrive as numbers (BIGINT ones as strings); the port's ids are opaque strings. */
const idText = (value: unknown): unknown =>
  typeof value === "number" || typeof value === "bigint" ? String(value) : value

/**
 * A port id as a query parameter for an integer id column, or null when it cannot be one of ours (null
 * matches no row, so a foreign id is simply absent). Only the canonical form counts: "007" is not "7".
 */
export const dbId = (id: UserId): string | null =>
  /^(0|[1-9][0-9]{0,18})$/.test(id) && BigInt(id) <= 9_223_372_036_854_775_807n ? id : null

const secret = (value: unknown): unknown => (typeof value === "string" ? Redacted.make(value) : value)

/** `expires_at` is Auth.js's BIGINT of seconds, which postgres.js returns as a string. */
const secondsToDate = (value: unknown): unknown => {
  if (value === null) return null
  const seconds = typeof value === "string" ? Number(value) : value
  return typeof seconds === "number" && Number.isSafeInteger(seconds) ? new Date(seconds * 1000) : value
}

/** The inverse, for writing. Sub-second precision is dropped, as Auth.js does. */
export const dateToSeconds = (date: Date | null): number | null =>
  date === null ? null : Math.floor(date.getTime() / 1000)

export const revealed = (value: Redacted.Redacted<string> | null): string | null =>
  value === null ? null : Redacted.value(value)

const decodeUser = decoder(User, "users")
const decodeAccount = decoder(Account, "accounts")
const decodeSession = decoder(Session, "sessions")
const decodeToken = decoder(VerificationToken, "verification_token")
const decodeAuthenticator = decoder(Authenticator, "authenticator")

/** `prefix` picks the user columns out of a join, where they are aliased `user_<column>`. */
export const toUser = (row: Row, prefix = "") =>
  decodeUser({
    id: idText(row[`${prefix}id`]),
    name: row[`${prefix}name`],
    email: row[`${prefix}email`],
    emailVerified: row[`${prefix}emailVerified`],
    image: row[`${prefix}image`]
  })

export const toAccount = (row: Row) =>
  decodeAccount({
    provider: row["provider"],
    providerAccountId: row["providerAccountId"],
    userId: idText(row["userId"]),
    type: row["type"],
    accessToken: secret(row["access_token"]),
    refreshToken: secret(row["refresh_token"]),
    idToken: secret(row["id_token"]),
    expiresAt: secondsToDate(row["expires_at"]),
    tokenType: row["token_type"],
    scope: row["scope"],
    sessionState: row["session_state"],
    needsReauth: row["needs_reauth"]
  })

export const toSession = (row: Row) =>
  decodeSession({
    tokenHash: row["sessionToken"],
    userId: idText(row["userId"]),
    expires: row["expires"],
    via: row["via"],
    createdAt: row["created_at"],
    authTime: row["auth_time"],
    client: row["client"]
  })

export const toVerificationToken = (row: Row) =>
  decodeToken({ identifier: row["identifier"], tokenHash: row["token"], expires: row["expires"] })

/** The counter is BIGINT (postgres.js answers a string); Auth.js's Drizzle table has an INTEGER. */
export const toAuthenticator = (row: Row) =>
  decodeAuthenticator({
    credentialID: row["credentialID"],
    userId: idText(row["userId"]),
    providerAccountId: row["providerAccountId"],
    credentialPublicKey: row["credentialPublicKey"],
    counter: typeof row["counter"] === "string" ? Number(row["counter"]) : row["counter"],
    credentialDeviceType: row["credentialDeviceType"],
    credentialBackedUp: row["credentialBackedUp"],
    transports: row["transports"]
  })

export const unavailable = (error: SqlError) =>
  new UsersUnavailable({ message: unavailableMessage(error), cause: error.cause })

/** The first row, decoded, if there is one. */
export const optional = <A, E>(
  found: ReadonlyArray<Row>,
  decode: (row: Row) => Effect.Effect<A, E>
): Effect.Effect<Option.Option<A>, E> => {
  const [row] = found
  return row === undefined ? Effect.succeedNone : Effect.asSome(decode(row))
}

/** The one row a statement must return (a write with RETURNING), else `absent`. */
export const single = <A, E, F>(
  found: ReadonlyArray<Row>,
  decode: (row: Row) => Effect.Effect<A, E>,
  absent: () => F
): Effect.Effect<A, E | F> => {
  const [row] = found
  return row === undefined ? Effect.fail(absent()) : decode(row)
}
