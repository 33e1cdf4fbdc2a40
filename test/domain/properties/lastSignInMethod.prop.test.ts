import { Effect, Option } from "effect"
import * as fc from "fast-check"
import { expect, it } from "vitest"
import type { ProviderId } from "../../../src/domain/Account.ts"
import type { ProviderConfig } from "../../../src/domain/Provider.ts"
import { unlinkProvider } from "../../../src/domain/unlinkProvider.ts"
import type { Email } from "../../../src/domain/User.ts"
import { Users } from "../../../src/ports/Users.ts"
import { github, google, oauthSignIn, profile, runCase, testProviders } from "../../support/memoryHarness.ts"

const providers = [github, google] as const

// Invariant: whatever is unlinked, in whatever order and however concurrently, every user keeps a way
// to sign in: a linked account, or a verified address while e-mail sign-in is on.
it("the last sign-in method cannot be unlinked", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.boolean(),
      fc.array(
        fc.record({ linked: fc.subarray([...providers], { minLength: 1 }), verifiedEmail: fc.boolean() }),
        { minLength: 1, maxLength: 4 }
      ),
      fc.array(fc.record({ user: fc.nat(3), provider: fc.constantFrom<ProviderId>(...providers) }), { maxLength: 12 }),
      fc.integer(),
      (emailOn, setups, unlinks, seed) =>
        runCase(
          Effect.gen(function*() {
            const store = yield* Users
            const users = yield* Effect.forEach(setups, (setup, index) =>
              Effect.gen(function*() {
                const first = setup.linked[0]!
                const signedIn = yield* oauthSignIn(first, profile(`u${index}-${first}`, null, false))
                let user = signedIn.user
                for (const provider of setup.linked.slice(1)) {
                  yield* oauthSignIn(provider, profile(`u${index}-${provider}`, null, false), Option.some(user))
                }
                if (setup.verifiedEmail) {
                  user = yield* store.updateUser(user.id, {
                    email: `u${index}@x.test` as Email,
                    emailVerified: new Date()
                  })
                }
                return user
              }))
            const outcomes = yield* Effect.forEach(
              unlinks,
              (unlink) => Effect.result(unlinkProvider(users[unlink.user % users.length]!.id, unlink.provider)),
              { concurrency: "unbounded" }
            )
            for (const outcome of outcomes) {
              if (outcome._tag === "Failure") {
                expect(["LastSignInMethod", "AccountNotFound"]).toContain(outcome.failure._tag)
              }
            }
            for (const user of users) {
              const accounts = yield* store.listAccounts(user.id)
              const after = Option.getOrThrow(yield* store.getUser(user.id))
              const emailWayIn = emailOn && after.emailVerified !== null
              expect(accounts.length > 0 || emailWayIn).toBe(true)
            }
          }),
          { providers: emailOn ? testProviders : testProviders.filter((p: ProviderConfig) => p.type !== "email") },
          seed
        )
    ),
    { numRuns: 150 }
  )
})
