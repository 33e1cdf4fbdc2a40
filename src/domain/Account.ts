import { Redacted, Schema } from "effect"
import { UserId } from "./User.ts"

export const ProviderId = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[a-z0-9][a-z0-9_-]{0,63}$/, { message: "must be a provider id like \"github\"" })),
  Schema.brand("ProviderId")
)
export type ProviderId = typeof ProviderId.Type

export const AccountType = Schema.Literals(["oauth", "oidc", "email", "credentials", "webauthn"])
export type AccountType = typeof AccountType.Type

/** A provider account is named by its provider and the provider's own id for it. */
export const AccountKey = Schema.Struct({ provider: ProviderId, providerAccountId: Schema.NonEmptyString })
export type AccountKey = typeof AccountKey.Type

const Secret = Schema.Redacted(Schema.String)

/** Tokens the provider handed us. Secrets stay `Redacted` so they never reach a log. */
export const TokenSet = Schema.Struct({
  accessToken: Schema.NullOr(Secret),
  refreshToken: Schema.NullOr(Secret),
  idToken: Schema.NullOr(Secret),
  /** When the access token stops working; null when the provider did not say. */
  expiresAt: Schema.NullOr(Schema.Date),
  tokenType: Schema.NullOr(Schema.String),
  scope: Schema.NullOr(Schema.String),
  sessionState: Schema.NullOr(Schema.String)
})
export type TokenSet = typeof TokenSet.Type

/** An account's secrets: what is sealed at rest, and what a compare-and-set of an account compares. */
export type TokenSecrets = Pick<TokenSet, "accessToken" | "refreshToken" | "idToken">

/**
 * Whether two sets of an account's secrets are the same (null equals null). Not constant-time, on purpose:
 * every caller compares what it just read from its own store, never a request's input.
 */
export const sameTokenSecrets = (a: TokenSecrets, b: TokenSecrets): boolean =>
  (["accessToken", "refreshToken", "idToken"] as const).every((field) => {
    const [x, y] = [a[field], b[field]]
    return x === null || y === null ? x === y : Redacted.value(x) === Redacted.value(y)
  })

export const emptyTokenSet: TokenSet = {
  accessToken: null,
  refreshToken: null,
  idToken: null,
  expiresAt: null,
  tokenType: null,
  scope: null,
  sessionState: null
}

export const Account = Schema.Struct({
  ...AccountKey.fields,
  userId: UserId,
  type: AccountType,
  ...TokenSet.fields,
  /** Set when the provider refused our refresh token (invalid_grant): only a new sign-in repairs it. */
  needsReauth: Schema.Boolean
})
export type Account = typeof Account.Type

/**
 * The tokens after a provider answered again (a refresh, or another sign-in): what the answer carries
 * replaces what was stored, and what it leaves out is kept — refresh tokens are optional in a token
 * response (RFC 6749 §5.1; Google sends one only on first consent), and dropping a stored one the
 * provider still honours would force a new sign-in for nothing.
 */
export const mergeTokenSets = (before: TokenSet, after: TokenSet): TokenSet => ({
  accessToken: after.accessToken,
  refreshToken: after.refreshToken ?? before.refreshToken,
  idToken: after.idToken ?? before.idToken,
  expiresAt: after.expiresAt,
  tokenType: after.tokenType ?? before.tokenType,
  scope: after.scope ?? before.scope,
  sessionState: after.sessionState ?? before.sessionState
})

export const accountKeyOf = (account: AccountKey): AccountKey => ({
  provider: account.provider,
  providerAccountId: account.providerAccountId
})

export const sameAccount = (a: AccountKey, b: AccountKey): boolean =>
  a.provider === b.provider && a.providerAccountId === b.providerAccountId
