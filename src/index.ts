// authfx: the one public entry. It names what it exports; nothing else under src/ is public API.

// Ports
export {
  AccountAlreadyLinked,
  AccountListingUnsupported,
  AccountNotFound,
  EmailTaken,
  LastSignInMethod,
  type AccountChange,
  type SessionAndUser,
  type SyncSessionReads,
  type TokenSecrets,
  UserNotFound,
  Users,
  UsersUnavailable
} from "./ports/Users.ts"
export { JobLock, JobLockUnavailable } from "./ports/JobLock.ts"
export { Ledger, type LedgerCount, type LedgerEntry, LedgerUnavailable, type SyncLedgerReads } from "./ports/Ledger.ts"
export { type MailMessage, Mailer, MailerError } from "./ports/Mailer.ts"
export {
  type AuthorizationChecks,
  type AuthorizationRequest,
  type CallbackInput,
  type ProviderSignIn,
  InvalidGrant,
  ProviderCheckFailed,
  ProviderClient,
  ProviderDenied,
  ProviderResponseInvalid,
  ProviderUnavailable,
  UnknownProvider
} from "./ports/ProviderClient.ts"
export {
  type ContentEncryption,
  type Key,
  type KeyPair,
  KeyPurpose,
  KeyStore,
  KeyStoreUnavailable,
  type PairAlgorithm,
  type PublicJwk,
  type SecretAlgorithm,
  type SecretKey
} from "./ports/KeyStore.ts"

// Domain models
export { Email, NewUser, User, UserId, type UserPatch } from "./domain/User.ts"
export { Account, AccountKey, AccountType, ProviderId, TokenSet } from "./domain/Account.ts"
export {
  type ActiveSession,
  type IssuedSession,
  JwtClaims,
  Session,
  type SessionCredential,
  credentialOf,
  type SessionRead,
  type SessionView
} from "./domain/Session.ts"
export { VerificationToken } from "./domain/VerificationToken.ts"
export { Profile } from "./domain/Profile.ts"
export type {
  Awaitable,
  CredentialsField,
  CredentialsProviderConfig,
  CredentialsUser,
  EmailProviderConfig,
  OAuthProviderConfig,
  ProviderConfig
} from "./domain/Provider.ts"
export {
  AuthConfig,
  type AuthOptions,
  type Callbacks,
  ConfigurationInvalid,
  type Events,
  type Pages,
  type ResolvedAuthConfig,
  type SessionStrategy,
  type TwoFactorOptions
} from "./domain/AuthConfig.ts"
export {
  type TwoFactorEnrolment,
  TwoFactorAlreadyEnabled,
  TwoFactorCodeInvalid,
  TwoFactorNotEnabled,
  TwoFactorPendingInvalid
} from "./domain/twoFactor/TwoFactor.ts"
export {
  confirmEnrolment,
  disableTwoFactor,
  regenerateBackupCodes,
  startEnrolment,
  twoFactorStatus
} from "./domain/twoFactor/enrolment.ts"

// Domain programs
export { decideLink, decideUnlink, LinkDecision, type LinkFacts, UnlinkDecision } from "./domain/linkDecision.ts"
export { completeOAuthSignIn, startOAuthSignIn } from "./domain/oauthSignIn.ts"
export { completeEmailSignIn, requestEmailSignIn } from "./domain/emailSignIn.ts"
export { credentialsSignIn } from "./domain/credentialsSignIn.ts"
export { type SignedIn } from "./domain/accountSignIn.ts"
export {
  endAllSessions,
  endSession,
  endSessionsVia,
  issueSession,
  readSession,
  updateSession
} from "./domain/sessionLifecycle.ts"
export { isTokenRevoked, revokeTokenId, revokeUserTokens, type TokenIdentity } from "./domain/revocation.ts"
export {
  InvalidSweepOptions,
  sweepBatch,
  sweepEvery,
  sweepExpired,
  type SweepOptions,
  sweepTurn
} from "./domain/sweepExpired.ts"
export * as LedgerLease from "./domain/ledgerLease.ts"
export { unlinkProvider } from "./domain/unlinkProvider.ts"
export {
  type AccessTokenError,
  NoLinkedAccount,
  ReauthRequired,
  TokenRefreshFailed,
  TokenRotation
} from "./domain/tokenRotation.ts"
export {
  AccessDenied,
  CredentialsSignin,
  InvalidEmail,
  OAuthAccountNotLinked,
  ProviderNotConfigured,
  SignInRedirected,
  Verification
} from "./domain/SignInError.ts"
export { CallbackFailed } from "./domain/callHook.ts"
export { normalizeEmail } from "./domain/normalizeEmail.ts"
export { resolveRedirect, safeRedirect } from "./domain/redirectPolicy.ts"

// Adapters (namespaces: MemoryUsers.layer, …) and composition
export * as MemoryUsers from "./adapters/memory/MemoryUsers.ts"
export * as MemoryLedger from "./adapters/memory/MemoryLedger.ts"
export * as MemoryMailer from "./adapters/memory/MemoryMailer.ts"
export * as MemoryProviderClient from "./adapters/memory/MemoryProviderClient.ts"
export * as MemoryKeyStore from "./adapters/memory/MemoryKeyStore.ts"
export * as MemoryRateLimiterStore from "./adapters/memory/MemoryRateLimiterStore.ts"
export * as LedgerRateLimiterStore from "./adapters/ledger/LedgerRateLimiterStore.ts"
// Redis needs the optional `redis` peer dependency, loaded only when its layer is built.
export * as RedisRateLimiterStore from "./adapters/redis/RedisRateLimiterStore.ts"
export { RateLimited } from "./domain/rateLimit/RateLimited.ts"
export type {
  OnStoreDown,
  PasswordBackoffOptions,
  RateLimitOptions,
  RateLimitRuleOptions
} from "./domain/rateLimit/rateLimitRules.ts"
export { coreLayer } from "./compose/coreLayer.ts"
export { type AuthfxApp, type AuthfxOptions, authAppLayer, createAuth } from "./compose/createAuth.ts"
export { authHttpApp } from "./compose/authHttpApp.ts"
export { type ProtectOptions } from "./http/protect.ts"
export { generateSecret, MissingSecret, secretFromEnv } from "./compose/secretFromEnv.ts"
export { observabilityFromEnv } from "./compose/observabilityFromEnv.ts"
export type { ObservabilityOptions } from "./adapters/otlp/OtlpExport.ts"
export { secretStrength, WeakSecret } from "./domain/secretStrength.ts"
export { type AuthHttpOptions, HttpOptionsInvalid } from "./http/HttpOptions.ts"
export { authRoutes } from "./http/authRoutes.ts"
export type { Theme } from "./http/pages/Theme.ts"
export { TokenCodec, TokenRejected } from "./ports/TokenCodec.ts"
export * as JoseTokenCodec from "./adapters/jose/JoseTokenCodec.ts"
export * as OpenIdProviderClient from "./adapters/oauth/OpenIdProviderClient.ts"
export {
  type Claims as ProviderClaims,
  type OAuthProviderOptions,
  providerConfig,
  type ProfileMapping,
  type ProfileRequest
} from "./adapters/oauth/OAuthProviderOptions.ts"
export * as providers from "./adapters/oauth/providers/presets.ts"
export * as NodemailerMailer from "./adapters/mail/NodemailerMailer.ts"
export * as SqliteUsers from "./adapters/sqlite/SqliteUsers.ts"
export * as SqliteKeyStore from "./adapters/sqlite/SqliteKeyStore.ts"
export * as SqliteLedger from "./adapters/sqlite/SqliteLedger.ts"
export { SqliteDatabase } from "./adapters/sqlite/SqliteDatabase.ts"
export * as PostgresClient from "./adapters/postgres/PostgresClient.ts"
export * as PostgresUsers from "./adapters/postgres/PostgresUsers.ts"
export * as PostgresKeyStore from "./adapters/postgres/PostgresKeyStore.ts"
export * as PostgresLedger from "./adapters/postgres/PostgresLedger.ts"
export * as PostgresJobLock from "./adapters/postgres/PostgresJobLock.ts"

export * as PostgresChanges from "./adapters/postgres/PostgresChanges.ts"
export * as CachedPostgresLedger from "./adapters/postgres/CachedPostgresLedger.ts"
export * as CachedPostgresUsers from "./adapters/postgres/CachedPostgresUsers.ts"
export * as PostgresMigrations from "./adapters/postgres/migrate.ts"
export * as RedisLedger from "./adapters/redis/RedisLedger.ts"
export * as AuthjsUsers from "./adapters/authjs/AuthjsUsers.ts"
export { type AdapterSource, toAuthjsAdapter } from "./adapters/authjs/toAuthjsAdapter.ts"
export * as SealedTokensUsers from "./adapters/sealedTokens/SealedTokensUsers.ts"
export { type SealingReport, TokenSealing } from "./adapters/sealedTokens/SealedTokensUsers.ts"
export { kyselyMysqlSchema, pgAdapterConstraints, pgAdapterSchema } from "./adapters/authjs/authjsSchemas.ts"
export { cryptoLayer } from "./compose/cryptoLayer.ts"
