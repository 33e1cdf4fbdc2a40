import { Context, type Effect, type Option, Schema } from "effect"
import type { Account, AccountKey, ProviderId, TokenSecrets, TokenSet } from "../domain/Account.ts"
import type { Authenticator } from "../domain/Passkey.ts"
import type { Session } from "../domain/Session.ts"
import type { EnablingFacts, PendingEnrolment, TwoFactorEnrolment } from "../domain/twoFactor/TwoFactor.ts"
import type { Email, NewUser, User, UserId, UserPatch } from "../domain/User.ts"
import type { PendingLinkCap } from "../domain/pendingLinks.ts"
import type { VerificationToken } from "../domain/VerificationToken.ts"

/** The e-mail address is held by another user. Carries no address: errors never carry personal data. */
export class EmailTaken extends Schema.TaggedError<EmailTaken>()("EmailTaken", {}) {}

/** The provider account is linked to a user already (possibly another one). */
export class AccountAlreadyLinked extends Schema.TaggedError<AccountAlreadyLinked>()("AccountAlreadyLinked", {
  provider: Schema.String
}) {}

/** The user named by an operation does not exist (any more). */
export class UserNotFound extends Schema.TaggedError<UserNotFound>()("UserNotFound", {}) {}

/** The provider account named by an operation is not linked to anyone. */
export class AccountNotFound extends Schema.TaggedError<AccountNotFound>()("AccountNotFound", {
  provider: Schema.String
}) {}

/** Unlinking would leave the user no way to sign in. */
export class LastSignInMethod extends Schema.TaggedError<LastSignInMethod>()("LastSignInMethod", {
  provider: Schema.String
}) {}

/** The store cannot list every account (an Auth.js adapter has no method that does). */
export class AccountListingUnsupported extends Schema.TaggedError<AccountListingUnsupported>()(
  "AccountListingUnsupported",
  {}
) {}

/** A passkey with this credential id is registered already (to this user or another). */
export class AuthenticatorExists extends Schema.TaggedError<AuthenticatorExists>()("AuthenticatorExists", {}) {}

/**
 * The store cannot keep passkeys: an Auth.js adapter without Auth.js's WebAuthn methods (`createAuthenticator`,
 * `getAuthenticator`, `listAuthenticatorsByUserId`, `updateAuthenticatorCounter`). `method` names the one missing.
 */
export class PasskeysUnsupported extends Schema.TaggedError<PasskeysUnsupported>()("PasskeysUnsupported", {
  method: Schema.String
}) {}

/** The store could not answer (connection lost, timeout, outage). Retrying later may work. */
export class UsersUnavailable extends Schema.TaggedError<UsersUnavailable>()("UsersUnavailable", {
  message: Schema.String,
  cause: Schema.optionalKey(Schema.Defect())
}) {}

export interface SessionAndUser {
  readonly session: Session
  readonly user: User
}

export type { TokenSecrets } from "../domain/Account.ts"

/**
 * Database-session reads a Users layer can answer without waiting (memory, a fresh cache): what the synchronous
 * fast path of `GET /session` needs for database sessions. A layer without it leaves it out (`sync` is None).
 */
export interface SyncSessionReads {
  /**
   * `getSessionAndUser` answered in the calling stack; throws only on a broken store. Undefined when it cannot
   * answer in the stack right now (a cache that is not fresh, or does not hold the session): the reader takes
   * the Effect path.
   */
  readonly getSessionAndUser: (tokenHash: string) => Option.Option<SessionAndUser> | undefined
}

/** What `updateAccountIf` changes: the token fields it names, and `needsReauth` when given. */
export interface AccountChange {
  readonly tokens?: Partial<TokenSet>
  readonly needsReauth?: boolean
}

/** Narrows `deleteUserSessions` to the sessions signed in with one provider. */
export interface ViaOption {
  readonly via?: ProviderId
}

/**
 * Users, their linked provider accounts (with OAuth tokens), database sessions and single-use verification
 * tokens: what an Auth.js adapter can hold. Short-lived facts (revocations, refresh claims, counters) are the
 * Ledger's (src/ports/Ledger.ts).
 *
 * Contract (each sentence has a conformance test in test/conformance/Users.ts):
 * - Lookups return `Option`; absence is not an error.
 * - E-mail addresses are unique among users: creating or updating a user onto a taken address fails
 *   with `EmailTaken` and changes nothing.
 * - A provider account belongs to at most one user, and a user has at most one account per provider:
 *   linking either again fails with `AccountAlreadyLinked`. Accounts of type "webauthn" are the exception to
 *   the second half: each passkey is an account of its own, so a user may have several at one provider.
 * - Linking to, or creating a session for, a user who does not exist fails with `UserNotFound`.
 * - Deleting a user deletes their accounts and sessions with them.
 * - `unlinkAccount` with `keepSignInMethod` never leaves a user without an account or (when it counts)
 *   a verified address, also under concurrent unlinks.
 * - `getSessionAndUser` answers both in one call; it does not judge expiry (the domain does).
 * - `createVerificationToken` with a `cap` leaves the identifier at most `cap.max` live tokens: the new one and
 *   the newest others, as the domain's `linksBeyondCap` (src/domain/pendingLinks.ts) picks them; the rest and
 *   the expired ones are deleted. Concurrent creations for one identifier still leave at most `cap.max`.
 * - `consumeVerificationToken` returns the token and deletes it in one step: of any number of
 *   concurrent consumers exactly one gets it.
 * - `deleteUserSessions` with `via` deletes only the user's sessions signed in with that provider.
 * - `listUserSessions` answers every session of the user, expired ones too, with what was stored of each
 *   (`createdAt`, `authTime`, `client`), and no other user's.
 * - `deleteExpired` deletes at most `limit` verification tokens and sessions that expired at or before `now`,
 *   and never a live one.
 * - `pageAccounts`, paged from null with each page's last key as the next `after`, lists every account exactly
 *   once, at most `limit` a page; a store that cannot list its accounts fails with `AccountListingUnsupported`.
 * - `updateAccountIf` is a compare-and-set on the account's three secrets (null equals null): it applies the
 *   change only when they still equal `expected`, touches nothing the change does not name, and of concurrent
 *   updates from the same `expected` exactly one succeeds.
 * - `sync`, when present, answers `getSessionAndUser` as the Effect does, or not at all (undefined).
 * - Passkeys (Auth.js's `Authenticator`): a credential id is registered once — again fails with
 *   `AuthenticatorExists`, for a user who does not exist with `UserNotFound`; `getAuthenticator` finds it by
 *   credential id, `listAuthenticators` lists a user's.
 * - `updateAuthenticatorCounter` is a compare-and-set on the counter: it writes only while the stored counter
 *   equals `expected`, and of concurrent updates from the same `expected` exactly one writes.
 * - Unlinking a passkey's webauthn account, or deleting its user, deletes its authenticator with it.
 * - A store that cannot keep passkeys fails these four with `PasskeysUnsupported`.
 * - A user has at most one two-factor enrolment. `startTwoFactor` stores a pending one in place of a pending
 *   one, never in place of an enabled one (it answers false), and fails with `UserNotFound` for no user.
 * - `enableTwoFactor` turns on only the pending enrolment it names, with its first step and backup code hashes.
 * - `useTwoFactorStep` is a compare-and-set on the last step: it writes only a step later than the stored one,
 *   for the enabled enrolment it names; of concurrent uses of one step exactly one succeeds.
 * - `consumeBackupCode` removes one backup code hash in one step: of concurrent consumers exactly one gets it.
 * - `replaceBackupCodes` replaces every code of the enabled enrolment it names.
 * - `deleteTwoFactor` removes the enrolment with its codes; deleting the user deletes them too.
 * - Infrastructure failure is `UsersUnavailable`, never a defect.
 */
export class Users extends Context.Service<Users, {
  readonly createUser: (user: NewUser) => Effect.Effect<User, EmailTaken | UsersUnavailable>
  readonly getUser: (id: UserId) => Effect.Effect<Option.Option<User>, UsersUnavailable>
  readonly getUserByEmail: (email: Email) => Effect.Effect<Option.Option<User>, UsersUnavailable>
  readonly getUserByAccount: (key: AccountKey) => Effect.Effect<Option.Option<User>, UsersUnavailable>
  readonly updateUser: (
    id: UserId,
    patch: UserPatch
  ) => Effect.Effect<User, UserNotFound | EmailTaken | UsersUnavailable>
  /** Deletes the user with their accounts and sessions; returns whether the user existed. */
  readonly deleteUser: (id: UserId) => Effect.Effect<boolean, UsersUnavailable>

  readonly linkAccount: (
    account: Account
  ) => Effect.Effect<Account, AccountAlreadyLinked | UserNotFound | UsersUnavailable>
  /**
   * Removes the link and returns what was removed. With `keepSignInMethod`, it refuses (atomically, so
   * two concurrent unlinks cannot both pass) when the user would keep no other account and no
   * verified e-mail address (the address counts only when `verifiedEmailCounts`).
   */
  readonly unlinkAccount: (
    key: AccountKey,
    options?: { readonly keepSignInMethod?: { readonly verifiedEmailCounts: boolean } }
  ) => Effect.Effect<Option.Option<Account>, LastSignInMethod | UsersUnavailable>
  readonly getAccount: (key: AccountKey) => Effect.Effect<Option.Option<Account>, UsersUnavailable>
  readonly listAccounts: (userId: UserId) => Effect.Effect<ReadonlyArray<Account>, UsersUnavailable>
  /** The user's account at one provider (a user links at most one account per provider). */
  readonly getUserAccount: (
    userId: UserId,
    provider: ProviderId
  ) => Effect.Effect<Option.Option<Account>, UsersUnavailable>
  /** Replaces the stored tokens after a fresh sign-in (clears `needsReauth`). */
  readonly updateAccountTokens: (
    key: AccountKey,
    tokens: TokenSet
  ) => Effect.Effect<Account, AccountNotFound | UsersUnavailable>
  /**
   * Applies `change` if the account's access, refresh and ID token still equal `expected`, in one atomic
   * step; returns the account after, or None when they changed (or the account is gone). A token refresh
   * stores its outcome this way, so a refresh that lost a race (its claim lapsed, a sign-in came in between)
   * never puts back tokens the provider has already rotated out.
   */
  readonly updateAccountIf: (
    key: AccountKey,
    expected: TokenSecrets,
    change: AccountChange
  ) => Effect.Effect<Option.Option<Account>, UsersUnavailable>
  /**
   * Up to `limit` accounts after `after` (null: from the first) in the store's order of (provider,
   * providerAccountId); an empty page is the end. For maintenance programs that visit every account.
   */
  readonly pageAccounts: (
    after: AccountKey | null,
    limit: number
  ) => Effect.Effect<ReadonlyArray<Account>, AccountListingUnsupported | UsersUnavailable>

  readonly createSession: (session: Session) => Effect.Effect<Session, UserNotFound | UsersUnavailable>
  readonly getSessionAndUser: (tokenHash: string) => Effect.Effect<Option.Option<SessionAndUser>, UsersUnavailable>
  readonly updateSessionExpiry: (
    tokenHash: string,
    expires: Date
  ) => Effect.Effect<Option.Option<Session>, UsersUnavailable>
  readonly deleteSession: (tokenHash: string) => Effect.Effect<Option.Option<Session>, UsersUnavailable>
  /**
   * The user's sessions, for their session list: all of them, expired ones too (the domain judges expiry), in no
   * particular order.
   */
  readonly listUserSessions: (userId: UserId) => Effect.Effect<ReadonlyArray<Session>, UsersUnavailable>
  /** Deletes every session of the user (only those signed in with `via`, when given); returns how many. */
  readonly deleteUserSessions: (userId: UserId, options?: ViaOption) => Effect.Effect<number, UsersUnavailable>

  /**
   * Stores a token (the same identifier and hash again only moves its expiry). With `cap`, also deletes what
   * `linksBeyondCap` picks among the identifier's tokens, in one step with the insert as far as other creations
   * for the identifier can tell. Without it (an Auth.js app calling through toAuthjsAdapter), nothing else goes.
   */
  readonly createVerificationToken: (
    token: VerificationToken,
    cap?: PendingLinkCap
  ) => Effect.Effect<void, UsersUnavailable>
  readonly consumeVerificationToken: (
    identifier: string,
    tokenHash: string
  ) => Effect.Effect<Option.Option<VerificationToken>, UsersUnavailable>

  /** Registers a passkey; its webauthn account is linked first (`linkAccount`), as Auth.js does. */
  readonly createAuthenticator: (
    authenticator: Authenticator
  ) => Effect.Effect<Authenticator, AuthenticatorExists | UserNotFound | PasskeysUnsupported | UsersUnavailable>
  readonly getAuthenticator: (
    credentialID: string
  ) => Effect.Effect<Option.Option<Authenticator>, PasskeysUnsupported | UsersUnavailable>
  readonly listAuthenticators: (
    userId: UserId
  ) => Effect.Effect<ReadonlyArray<Authenticator>, PasskeysUnsupported | UsersUnavailable>
  /** Sets the counter to `next` if it is still `expected`; says whether it did. */
  readonly updateAuthenticatorCounter: (
    credentialID: string,
    expected: number,
    next: number
  ) => Effect.Effect<boolean, PasskeysUnsupported | UsersUnavailable>

  /** Deletes expired verification tokens and sessions, at most `limit`; returns how many. The domain schedules it. */
  readonly deleteExpired: (now: Date, limit: number) => Effect.Effect<number, UsersUnavailable>

  /** Present when the layer answers session reads synchronously (see SyncSessionReads). */
  readonly sync: Option.Option<SyncSessionReads>
  // Two-factor sign-in (src/domain/twoFactor): the TOTP enrolment and its backup code hashes.
  readonly getTwoFactor: (userId: UserId) => Effect.Effect<Option.Option<TwoFactorEnrolment>, UsersUnavailable>
  /** Stores a pending enrolment, replacing a pending one; false (nothing written) when one is enabled. */
  readonly startTwoFactor: (pending: PendingEnrolment) => Effect.Effect<boolean, UserNotFound | UsersUnavailable>
  /** Turns the pending enrolment `id` on; false when it is not pending any more (or never was). */
  readonly enableTwoFactor: (
    userId: UserId,
    id: string,
    facts: EnablingFacts
  ) => Effect.Effect<boolean, UsersUnavailable>
  /** Records `step` as the last one used, only if it is later than the stored one; says whether it did. */
  readonly useTwoFactorStep: (userId: UserId, id: string, step: number) => Effect.Effect<boolean, UsersUnavailable>
  /** Removes the backup code with this hash; says whether there was one. */
  readonly consumeBackupCode: (userId: UserId, codeHash: string) => Effect.Effect<boolean, UsersUnavailable>
  /** Replaces the backup codes of the enabled enrolment `id`; false when it is not (any more). */
  readonly replaceBackupCodes: (
    userId: UserId,
    id: string,
    codeHashes: ReadonlyArray<string>
  ) => Effect.Effect<boolean, UsersUnavailable>
  /** Removes the enrolment (pending or enabled) and its backup codes; says whether there was one. */
  readonly deleteTwoFactor: (userId: UserId) => Effect.Effect<boolean, UsersUnavailable>
}>()("authfx/Users") {}

/** The two-factor part of the port, which each store implements in a module of its own. */
export type TwoFactorMethods = Pick<
  Users["Service"],
  | "getTwoFactor"
  | "startTwoFactor"
  | "enableTwoFactor"
  | "useTwoFactorStep"
  | "consumeBackupCode"
  | "replaceBackupCodes"
  | "deleteTwoFactor"
>
