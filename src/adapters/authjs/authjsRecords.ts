import { Authenticator } from "../../domain/Passkey.ts"
import { Effect, Redacted, Schema, SchemaIssue, SchemaTransformation } from "effect"
import { Account, type AccountKey, type AccountType, emptyTokenSet } from "../../domain/Account.ts"
import { Session } from "../../domain/Session.ts"
import { User, type UserId } from "../../domain/User.ts"
import { VerificationToken } from "../../domain/VerificationToken.ts"
import { UsersUnavailable } from "../../ports/Users.ts"

/**
 * What Auth.js adapters hand back, normalised into authfx's models through Schema. Adapters differ in
 * every detail the `Adapter` type leaves open: ids are strings, numbers (pg's SERIAL) or bigints; dates
 * are `Date`s or ISO strings (SQLite, JSON stores); absent fields are `null`, `undefined` or missing;
 * `expires_at` is seconds as a number or a numeric string (BIGINT). Each schema below accepts all of
 * those and yields the model, whose own schema then vouches for the result.
 */

/** An id as the adapter's database made it, as the opaque string the port wants. */
const IdText = Schema.Union([Schema.String, Schema.Finite, Schema.BigInt]).pipe(
  Schema.decodeTo(
    Schema.String,
    SchemaTransformation.transform<string, string | number | bigint>({ decode: (value) => String(value), encode: (text) => text })
  )
)

/** A point in time as a `Date`, an ISO string or epoch milliseconds. */
const When = Schema.Union([Schema.Date, Schema.DateFromString, Schema.DateFromMillis])

/** Seconds since the epoch (`expires_at`), as a number or a BIGINT's string. */
const Seconds = Schema.Union([Schema.Finite, Schema.FiniteFromString]).pipe(
  Schema.decodeTo(
    Schema.Date,
    SchemaTransformation.transform<Date, number>({
      decode: (seconds) => new Date(seconds * 1000),
      encode: (date) => Math.floor(date.getTime() / 1000)
    })
  )
)

const nullish = <S extends Schema.Top>(schema: S) => Schema.optional(Schema.NullishOr(schema))
const orNull = <A>(value: A | null | undefined): A | null => (value === undefined ? null : value)
/** Auth.js stores "no address" as an empty string in some adapters; authfx says null. */
const textOrNull = (value: string | null | undefined): string | null => (value === undefined || value === "" ? null : value)

const AuthjsUser = Schema.Struct({
  id: IdText,
  name: nullish(Schema.String),
  email: nullish(Schema.String),
  emailVerified: nullish(When),
  image: nullish(Schema.String)
})

const UserFromAuthjs = AuthjsUser.pipe(
  Schema.decodeTo(
    User,
    SchemaTransformation.transform({
      decode: (user): typeof User.Encoded => ({
        id: user.id,
        name: orNull(user.name),
        email: textOrNull(user.email),
        emailVerified: orNull(user.emailVerified),
        image: orNull(user.image)
      }),
      encode: (user) => user
    })
  )
)

const AuthjsAccount = Schema.Struct({
  provider: Schema.String,
  providerAccountId: IdText,
  userId: IdText,
  type: Schema.String,
  access_token: nullish(Schema.String),
  refresh_token: nullish(Schema.String),
  id_token: nullish(Schema.String),
  expires_at: nullish(Seconds),
  token_type: nullish(Schema.String),
  scope: nullish(Schema.String),
  session_state: nullish(Schema.String)
})

/** A token as authfx keeps it; Auth.js's "no token" may be missing, null or an empty string. */
const secret = (value: string | null | undefined) => (value === undefined || value === null || value === "" ? null : Redacted.make(value))

/** `needsReauth` is authfx's: an account read from Auth.js starts without it (the user's index keeps it). */
const AccountFromAuthjs = AuthjsAccount.pipe(
  Schema.decodeTo(
    Account,
    SchemaTransformation.transform({
      decode: (account): typeof Account.Encoded => ({
        provider: account.provider,
        providerAccountId: account.providerAccountId,
        userId: account.userId,
        type: account.type as AccountType,
        accessToken: secret(account.access_token),
        refreshToken: secret(account.refresh_token),
        idToken: secret(account.id_token),
        expiresAt: orNull(account.expires_at),
        tokenType: orNull(account.token_type),
        scope: orNull(account.scope),
        sessionState: orNull(account.session_state),
        needsReauth: false
      }),
      encode: (account) => ({
        ...account,
        access_token: account.accessToken === null ? null : Redacted.value(account.accessToken),
        refresh_token: account.refreshToken === null ? null : Redacted.value(account.refreshToken),
        id_token: account.idToken === null ? null : Redacted.value(account.idToken),
        expires_at: account.expiresAt,
        token_type: account.tokenType,
        session_state: account.sessionState
      })
    })
  )
)

const AuthjsSession = Schema.Struct({ sessionToken: Schema.String, userId: IdText, expires: When })

const SessionFromAuthjs = AuthjsSession.pipe(
  Schema.decodeTo(
    Session,
    SchemaTransformation.transform({
      decode: (session): typeof Session.Encoded => ({
        tokenHash: session.sessionToken,
        userId: session.userId,
        expires: session.expires,
        // Auth.js keeps no such thing; the bridge's session index does (sessionOperations.ts).
        via: null
      }),
      encode: (session) => ({ sessionToken: session.tokenHash, userId: session.userId, expires: session.expires })
    })
  )
)

const AuthjsVerificationToken = Schema.Struct({ identifier: Schema.String, token: Schema.String, expires: When })

const VerificationTokenFromAuthjs = AuthjsVerificationToken.pipe(
  Schema.decodeTo(
    VerificationToken,
    SchemaTransformation.transform({
      decode: (token): typeof VerificationToken.Encoded => ({
        identifier: token.identifier,
        tokenHash: token.token,
        expires: token.expires
      }),
      encode: (token) => ({ identifier: token.identifier, token: token.tokenHash, expires: token.expires })
    })
  )
)

const issuePaths = SchemaIssue.makeFormatterStandardSchemaV1()

/** A record the model rejects: names the fields, never their values (they may be personal data). */
const decoder = <S extends Schema.Top & { readonly DecodingServices: never }>(schema: S, what: string) => {
  const decode = Schema.decodeUnknownEffect(schema)
  return (candidate: unknown): Effect.Effect<S["Type"], UsersUnavailable> =>
    Effect.mapError(decode(candidate, { errors: "all" }), (error) => {
      const fields = [...new Set(issuePaths(error.issue).issues.map((issue) => String(issue.path?.[0] ?? "(record)")))]
      return new UsersUnavailable({
        message: `the Auth.js adapter returned a ${what} that does not match the authfx model (${fields.join(", ")})`
      })
    })
}

export const decodeUser = decoder(UserFromAuthjs, "user")
const decodeAuthenticatorRecord = decoder(Authenticator, "authenticator")
/** Auth.js's Authenticator is authfx's, field for field; adapters differ only in id and counter types and absent transports. */
export const decodeAuthenticator = (found: unknown) => {
  const raw = (typeof found === "object" && found !== null ? found : {}) as Record<string, unknown>
  return decodeAuthenticatorRecord({
    ...raw,
    userId: typeof raw["userId"] === "number" ? String(raw["userId"]) : raw["userId"],
    counter: typeof raw["counter"] === "string" || typeof raw["counter"] === "bigint" ? Number(raw["counter"]) : raw["counter"],
    transports: raw["transports"] ?? null
  })
}
export const decodeAccount = decoder(AccountFromAuthjs, "account")
/** For callers outside Effect (toAuthjsAdapter); None when the record does not fit the model. */
export const decodeAccountOption = Schema.decodeUnknownOption(AccountFromAuthjs)
export const decodeSession = decoder(SessionFromAuthjs, "session")
export const decodeVerificationToken = decoder(VerificationTokenFromAuthjs, "verification token")

/**
 * An account as Auth.js records it: exactly the columns of Auth.js's `accounts` table, no more (the Kysely
 * adapter inserts every key it is given as a column, so an extra one, authfx's `needsReauth`, would fail the
 * insert); absent values are null, `expires_at` whole seconds, as Auth.js keeps it.
 */
export const toAuthjsAccount: (account: Account) => typeof AuthjsAccount.Encoded = Schema.encodeSync(AccountFromAuthjs)

/**
 * An account the adapter says is linked but whose details no one can read back (an adapter without
 * `getAccount`, for a link Auth.js made before the bridge): its tokens are unknown, so none are claimed.
 * `needsReauth` stays false: the next sign-in with the provider stores fresh tokens anyway.
 */
export const linkOnlyAccount = (key: AccountKey, userId: UserId): Account => ({
  provider: key.provider,
  providerAccountId: key.providerAccountId,
  userId,
  type: "oauth",
  ...emptyTokenSet,
  needsReauth: false
})
