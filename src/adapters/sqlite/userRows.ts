import { Redacted, Schema } from "effect"
import { type Account, AccountType, emptyTokenSet, ProviderId, type TokenSet } from "../../domain/Account.ts"
import type { Authenticator } from "../../domain/Passkey.ts"
import type { Session } from "../../domain/Session.ts"
import { Email, type User, UserId } from "../../domain/User.ts"
import type { VerificationToken } from "../../domain/VerificationToken.ts"
import type { AccountChange, TokenSecrets } from "../../ports/Users.ts"
import { boolean, checked, checkedOrNull, date, dateOrNull, integer, text, textOrNull } from "./columns.ts"
import type { Params, Row } from "./SqliteDatabase.ts"

/** The columns each mapping reads, for the SELECT and RETURNING lists of SqliteUsers. */
export const userColumns = "id, name, email, email_verified, image"
export const accountColumns = "provider, provider_account_id, user_id, type, access_token, refresh_token, id_token, " +
  "expires_at, token_type, scope, session_state, needs_reauth"
export const sessionColumns = "token_hash, user_id, expires, via, created_at, auth_time, client"
export const tokenColumns = "identifier, token_hash, expires"
export const authenticatorColumns = "credential_id, user_id, provider_account_id, credential_public_key, counter, " +
  "credential_device_type, credential_backed_up, transports"

const isUserId = Schema.is(UserId)
const isEmail = Schema.is(Email)
const isProviderId = Schema.is(ProviderId)
const isAccountType = Schema.is(AccountType)
const isNonEmpty = (value: string): value is string => value.length > 0

export const userOf = (row: Row): User => ({
  id: checked(row, "id", isUserId),
  name: textOrNull(row, "name"),
  email: checkedOrNull(row, "email", isEmail),
  emailVerified: dateOrNull(row, "email_verified"),
  image: textOrNull(row, "image")
})

const secretOrNull = (row: Row, column: string) => {
  const value = textOrNull(row, column)
  return value === null ? null : Redacted.make(value)
}

export const accountOf = (row: Row): Account => ({
  provider: checked(row, "provider", isProviderId),
  providerAccountId: checked(row, "provider_account_id", isNonEmpty),
  userId: checked(row, "user_id", isUserId),
  type: checked(row, "type", isAccountType),
  accessToken: secretOrNull(row, "access_token"),
  refreshToken: secretOrNull(row, "refresh_token"),
  idToken: secretOrNull(row, "id_token"),
  expiresAt: dateOrNull(row, "expires_at"),
  tokenType: textOrNull(row, "token_type"),
  scope: textOrNull(row, "scope"),
  sessionState: textOrNull(row, "session_state"),
  needsReauth: boolean(row, "needs_reauth")
})

export const authenticatorOf = (row: Row): Authenticator => ({
  credentialID: checked(row, "credential_id", isNonEmpty),
  userId: checked(row, "user_id", isUserId),
  providerAccountId: checked(row, "provider_account_id", isNonEmpty),
  credentialPublicKey: checked(row, "credential_public_key", isNonEmpty),
  counter: integer(row, "counter"),
  credentialDeviceType: text(row, "credential_device_type"),
  credentialBackedUp: boolean(row, "credential_backed_up"),
  transports: textOrNull(row, "transports")
})

export const authenticatorParams = (authenticator: Authenticator): Params => ({
  credential_id: authenticator.credentialID,
  user_id: authenticator.userId,
  provider_account_id: authenticator.providerAccountId,
  credential_public_key: authenticator.credentialPublicKey,
  counter: authenticator.counter,
  credential_device_type: authenticator.credentialDeviceType,
  credential_backed_up: authenticator.credentialBackedUp ? 1 : 0,
  transports: authenticator.transports
})

export const sessionOf = (row: Row): Session => ({
  tokenHash: checked(row, "token_hash", isNonEmpty),
  userId: checked(row, "user_id", isUserId),
  expires: date(row, "expires"),
  via: checkedOrNull(row, "via", isProviderId),
  createdAt: dateOrNull(row, "created_at"),
  authTime: dateOrNull(row, "auth_time"),
  client: textOrNull(row, "client")
})

export const verificationTokenOf = (row: Row): VerificationToken => ({
  identifier: checked(row, "identifier", isNonEmpty),
  tokenHash: checked(row, "token_hash", isNonEmpty),
  expires: date(row, "expires")
})

export const millisOrNull = (value: Date | null) => (value === null ? null : value.getTime())
const revealOrNull = (value: Redacted.Redacted<string> | null) => (value === null ? null : Redacted.value(value))

/** The secret columns as named parameters, each name after `prefix`. */
export const secretParams = (secrets: TokenSecrets, prefix = ""): Params => ({
  [`${prefix}access_token`]: revealOrNull(secrets.accessToken),
  [`${prefix}refresh_token`]: revealOrNull(secrets.refreshToken),
  [`${prefix}id_token`]: revealOrNull(secrets.idToken)
})

/** The token columns, each with its TokenSet field, for a change that names only some of them. */
const tokenColumnsByField = {
  accessToken: "access_token",
  refreshToken: "refresh_token",
  idToken: "id_token",
  expiresAt: "expires_at",
  tokenType: "token_type",
  scope: "scope",
  sessionState: "session_state"
} as const satisfies Record<keyof TokenSet, string>

export const changeableColumns = [...Object.values(tokenColumnsByField), "needs_reauth"] as const

/** `updateAccountIf`'s change as parameters: `set_<column>` says whether it names the column, `<column>` its value. */
export const accountChangeParams = (change: AccountChange): Params => {
  const full = tokenParams({ ...emptyTokenSet, ...change.tokens })
  const params: Record<string, Params[string]> = {}
  for (const [field, column] of Object.entries(tokenColumnsByField)) {
    params[`set_${column}`] = change.tokens !== undefined && field in change.tokens ? 1 : 0
    params[column] = full[column] ?? null
  }
  params["set_needs_reauth"] = change.needsReauth === undefined ? 0 : 1
  params["needs_reauth"] = change.needsReauth === true ? 1 : 0
  return params
}

/** The token columns as named parameters, for INSERT and UPDATE alike. */
export const tokenParams = (tokens: TokenSet): Params => ({
  ...secretParams(tokens),
  expires_at: millisOrNull(tokens.expiresAt),
  token_type: tokens.tokenType,
  scope: tokens.scope,
  session_state: tokens.sessionState
})
