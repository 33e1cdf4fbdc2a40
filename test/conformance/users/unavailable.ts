/** Users conformance, "infrastructure failure": every operation against a backend that is down. */
import { describe, expect } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import type { AccountKey } from "../../../src/domain/Account.ts"
import { Users } from "../../../src/ports/Users.ts"
import {
  type ConformanceIt,
  day,
  fullTokens,
  github,
  hour,
  keepSignInMethod,
  missingUserId,
  newAccount,
  newEmail,
  newSession,
  newUser,
  now,
  outcomeOf,
  uuid
} from "./fixtures.ts"

/**
 * Registers the "infrastructure failure" block. `unavailable` is the suite's `SuiteOptions.unavailable`: without it
 * the case is reported as todo.
 */
export const describeUnavailable = (
  it: ConformanceIt,
  unavailable: Layer.Layer<Users, unknown> | undefined,
  listsAccounts: boolean,
  sweepsExpired: boolean
): void => {
  describe("infrastructure failure", () => {
    const title = "every operation fails with UsersUnavailable, never a defect"
    if (unavailable === undefined) {
      it.todo(`${title} (give suite an \`unavailable\` layer)`)
      return
    }
    it.effect(title, () =>
      Effect.gen(function*() {
        const store = Context.get(yield* Layer.build(unavailable), Users)
        const t = yield* now
        const userId = missingUserId()
        const key: AccountKey = { provider: github, providerAccountId: `acct-${uuid()}` }
        const secrets = { accessToken: null, refreshToken: null, idToken: null }
        const operations: Record<string, Effect.Effect<unknown, { readonly _tag: string }>> = {
          createUser: store.createUser(newUser()),
          getUser: store.getUser(userId),
          getUserByEmail: store.getUserByEmail(newEmail()),
          getUserByAccount: store.getUserByAccount(key),
          updateUser: store.updateUser(userId, { name: "x" }),
          deleteUser: store.deleteUser(userId),
          linkAccount: store.linkAccount(newAccount(userId)),
          unlinkAccount: store.unlinkAccount(key, keepSignInMethod(true)),
          getAccount: store.getAccount(key),
          listAccounts: store.listAccounts(userId),
          getUserAccount: store.getUserAccount(userId, github),
          updateAccountTokens: store.updateAccountTokens(key, fullTokens()),
          updateAccountIf: store.updateAccountIf(key, secrets, { needsReauth: true }),
          // A store that cannot list accounts says so whether or not it is up.
          ...(listsAccounts ? { pageAccounts: store.pageAccounts(null, 10) } : {}),
          createSession: store.createSession(newSession(userId, new Date(t + day))),
          getSessionAndUser: store.getSessionAndUser(`sess-${uuid()}`),
          updateSessionExpiry: store.updateSessionExpiry(`sess-${uuid()}`, new Date(t + day)),
          deleteSession: store.deleteSession(`sess-${uuid()}`),
          deleteUserSessions: store.deleteUserSessions(userId),
          createVerificationToken: store.createVerificationToken({
            identifier: newEmail(),
            tokenHash: `hash-${uuid()}`,
            expires: new Date(t + hour)
          }),
          consumeVerificationToken: store.consumeVerificationToken(newEmail(), `hash-${uuid()}`),
          // A store that cannot find expired rows never asks the database for them.
          ...(sweepsExpired ? { deleteExpired: store.deleteExpired(new Date(t), 10) } : {})
        }
        const outcomes: Record<string, string> = {}
        for (const [operation, effect] of Object.entries(operations)) {
          outcomes[operation] = outcomeOf(yield* Effect.exit(effect))
        }
        expect(outcomes).toEqual(Object.fromEntries(Object.keys(operations).map((op) => [op, "UsersUnavailable"])))
      }))
  })
}
