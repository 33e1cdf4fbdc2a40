import { Effect, Option } from "effect"
import type { AccountKey } from "../../domain/Account.ts"
import { lowerCaseAscii } from "../../domain/normalizeEmail.ts"
import type { Email, User, UserId } from "../../domain/User.ts"
import type { Ledger } from "../../ports/Ledger.ts"
import type { UsersUnavailable } from "../../ports/Users.ts"
import type { Calls, CompleteAdapter } from "./adapterCalls.ts"
import { decodeUser } from "./authjsRecords.ts"
import { type AccountsIndex, type Index, indexes, type PendingLinksIndex, type SessionsIndex, type TwoFactorIndex } from "./ledgerIndexes.ts"

/** What the operation modules of AuthjsUsers share: the adapter, how to call it, the Ledger, the lookups. */
export interface Bridge extends Calls {
  readonly adapter: CompleteAdapter
  readonly ledger: Ledger["Service"]
  readonly accounts: Index<AccountsIndex>
  readonly sessions: Index<SessionsIndex>
  readonly pendingLinks: Index<PendingLinksIndex>
  readonly twoFactor: Index<TwoFactorIndex>
  readonly getUser: (id: UserId) => Effect.Effect<Option.Option<User>, UsersUnavailable>
  readonly getUserByEmail: (email: Email) => Effect.Effect<Option.Option<User>, UsersUnavailable>
  readonly getUserByAccount: (key: AccountKey) => Effect.Effect<Option.Option<User>, UsersUnavailable>
}

/**
 * Whether an address the adapter holds is the one asked for, up to ASCII case as in `normalizeEmail`
 * (Auth.js stored provider addresses as given). A collation that ignores more (MariaDB's utf8mb4_general_ci
 * finds `élodie@` for `Élodie@` and `elodie@`) must not make two mailboxes one user.
 */
export const sameAddress = (a: string | null, b: string | null): boolean =>
  a !== null && b !== null && lowerCaseAscii(a) === lowerCaseAscii(b)

const optionalUser = (found: unknown) =>
  found === null || found === undefined ? Effect.succeedNone : Effect.asSome(decodeUser(found))

export const makeBridge = (
  adapter: CompleteAdapter,
  calls: Calls,
  ledger: Ledger["Service"],
  ping: (() => PromiseLike<unknown>) | undefined
): Bridge => {
  // @auth/pg-adapter's getUser answers null for every error, an outage included: with a ping, a miss is
  // confirmed against the database before it is believed.
  const confirmMiss = ping === undefined
    ? Effect.succeedNone
    : Effect.as(calls.plain("ping", ping), Option.none<User>())
  return {
    ...calls,
    ...indexes(ledger),
    adapter,
    ledger,
    getUser: (id) =>
      Effect.flatMap(calls.plain("getUser", () => adapter.getUser(id)), (found) =>
        found === null || found === undefined ? confirmMiss : Effect.asSome(decodeUser(found))),
    // An adapter whose address index outlives a change of address (unstorage's does) answers the old address
    // with the user who left it: only a user who holds the address now counts.
    getUserByEmail: (email) =>
      Effect.map(
        Effect.flatMap(calls.plain("getUserByEmail", () => adapter.getUserByEmail(email)), optionalUser),
        Option.filter((user) => sameAddress(user.email, email))
      ),
    getUserByAccount: (key) =>
      Effect.flatMap(
        calls.plain("getUserByAccount", () =>
          adapter.getUserByAccount({ provider: key.provider, providerAccountId: key.providerAccountId })),
        optionalUser
      )
  }
}
