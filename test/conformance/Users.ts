/**
 * The Users conformance suite: every adapter (memory, PostgreSQL, the Auth.js bridge) runs it
 * unchanged, so each sentence of the contract on `Users` (src/ports/Users.ts) has a case here.
 * The cases live in ./users/, one file per area (fixtures.ts holds what they share); `suite` registers
 * them in order.
 *
 * Rules the cases keep, so the same suite is meaningful against a real database:
 * - The store is shared by every case of the block and never assumed empty: each case makes its own
 *   users, e-mails, account ids and token hashes from `crypto.randomUUID()` (not Effect's `Random`,
 *   whose sequences could repeat across runs against a database that outlives them).
 * - No case depends on another or on their order.
 * - Time-dependent points (expired sessions and tokens) use a time an hour in the past against one a
 *   century in the future, both counted from `Clock`. Under TestClock the clock reads 1970, so the same
 *   dates are past and future whether the adapter compares them to `Clock` or to the database's `now()`.
 * - Dates are whole seconds (Auth.js's `expires_at` keeps no milliseconds), except in the case that checks
 *   that every other date keeps its milliseconds, as Auth.js's adapter suite expects.
 * - Tokens are `Redacted`, and any two `Redacted` look equal to a deep equality: they are unwrapped
 *   before comparing.
 */
import { layer } from "@effect/vitest"
import type { Layer } from "effect"
import type { Users } from "../../src/ports/Users.ts"
import { describeAccounts } from "./users/accounts.ts"
import { describeMaintenance } from "./users/maintenance.ts"
import { describePendingLinks } from "./users/pendingLinks.ts"
import { describePasskeys } from "./users/passkeys.ts"
import { describeSessions } from "./users/sessions.ts"
import { describeTwoFactor } from "./users/twoFactor.ts"
import { describeUnavailable } from "./users/unavailable.ts"
import { describeUnlinking } from "./users/unlinking.ts"
import { describeUsers } from "./users/users.ts"
import { describeVerificationTokens } from "./users/verificationTokens.ts"

export interface SuiteOptions {
  /**
   * The adapter wired to a backend that is down (e.g. a database on a closed port). Without it the
   * contract's "infrastructure failure is `UsersUnavailable`" case is reported as todo.
   */
  readonly unavailable?: Layer.Layer<Users, unknown>
  /**
   * Whether the store can list every account (`pageAccounts`). Default true; false for a store that cannot (the
   * Auth.js bridge: Auth.js adapters have no such method), whose `pageAccounts` must then say so.
   */
  readonly listsAccounts?: boolean
  /**
   * Whether the store can find expired rows (`deleteExpired`). Default true; false for the Auth.js bridge
   * (Auth.js adapters cannot list tokens or sessions), whose `deleteExpired` then deletes nothing.
   */
  readonly sweepsExpired?: boolean
  /**
   * Whether the store keeps passkeys. Default true; false for the Auth.js bridge over an adapter without
   * Auth.js's WebAuthn methods (pg, Kysely), whose passkey methods must then fail with `PasskeysUnsupported`.
   */
  readonly storesPasskeys?: boolean
  /**
   * Whether unlinking a passkey's account deletes its authenticator. Default true; false for the Auth.js bridge
   * (Auth.js has no deleteAuthenticator), where the domain refuses a passkey whose account is gone instead.
   */
  readonly deletesAuthenticators?: boolean
}

/** Registers the conformance cases for one adapter, sharing one store (built from `storeLayer`) among them. */
export const suite = (name: string, storeLayer: Layer.Layer<Users, unknown>, options: SuiteOptions = {}): void =>
  layer(storeLayer)(`Users conformance: ${name}`, (it) => {
    describeUsers(it)
    describeAccounts(it)
    describeUnlinking(it)
    describeSessions(it)
    describeVerificationTokens(it)
    describePendingLinks(it)
    describeTwoFactor(it)
    describeMaintenance(it, options.listsAccounts ?? true, options.sweepsExpired ?? true)
    describePasskeys(it, options.storesPasskeys ?? true, options.deletesAuthenticators ?? true)
    describeUnavailable(it, options.unavailable, options.listsAccounts ?? true, options.sweepsExpired ?? true)
  })
