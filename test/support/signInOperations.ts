import { Effect, Option } from "effect"
import * as fc from "fast-check"
import type { ProviderId } from "../../src/domain/Account.ts"
import { credentialsSignIn } from "../../src/domain/credentialsSignIn.ts"
import { unlinkProvider } from "../../src/domain/unlinkProvider.ts"
import type { User, UserId } from "../../src/domain/User.ts"
import { Users } from "../../src/ports/Users.ts"
import { followLink, github, google, oauthSignIn, profile, requestLink } from "./memoryHarness.ts"

/** A small world, so that random sequences collide on accounts and addresses often. */
const emails = ["e0@x.test", "e1@x.test", "e2@x.test", null] as const
const accountIds = ["a0", "a1", "a2", "a3"] as const

export type Operation =
  | {
    readonly kind: "oauth"
    readonly provider: ProviderId
    readonly accountId: string
    readonly email: string | null
    readonly verified: boolean
    /** Index into the users seen so far: a link flow of that user; null for a sign-in. */
    readonly as: number | null
  }
  | { readonly kind: "email"; readonly email: string }
  | { readonly kind: "credentials"; readonly who: "ada" | "bob" }
  | { readonly kind: "unlink"; readonly user: number; readonly provider: ProviderId }
  | { readonly kind: "deleteUser"; readonly user: number }

export const operation: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("oauth" as const),
      provider: fc.constantFrom(github, google),
      accountId: fc.constantFrom(...accountIds),
      email: fc.constantFrom(...emails),
      verified: fc.boolean(),
      as: fc.option(fc.nat(5), { nil: null })
    })
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("email" as const),
      email: fc.constantFrom("e0@x.test", "e1@x.test", "e2@x.test")
    })
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("credentials" as const), who: fc.constantFrom("ada" as const, "bob" as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("unlink" as const), user: fc.nat(5), provider: fc.constantFrom(github, google) })
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("deleteUser" as const), user: fc.nat(5) }) }
)

const keyOf = (provider: string, accountId: string) => `${provider}/${accountId}`

/** What one step did, for the properties to judge against what was true before it. */
export interface Step {
  readonly operation: Operation
  readonly current: Option.Option<User>
  /** The account that step signed in with, and who held it before the step. */
  readonly account: string | null
  readonly ownerBefore: UserId | undefined
  readonly usersBefore: ReadonlySet<UserId>
  /** Which of those users had proved their address before the step. */
  readonly provedBefore: ReadonlySet<UserId>
  /** The user the step signed in as, or null when it was refused or did not sign in. */
  readonly signedInAs: UserId | null
}

/**
 * Runs the operations in order against the memory layers, keeping a model of who owns which provider
 * account; `check` sees every step with the model as it was before the step.
 */
export const runOperations = (operations: ReadonlyArray<Operation>, check: (step: Step) => void) =>
  Effect.gen(function*() {
    const store = yield* Users
    const users: Array<User> = []
    const owner = new Map<string, UserId>()
    const pick = (index: number | null) =>
      index === null || users.length === 0 ? Option.none<User>() : Option.some(users[index % users.length]!)
    for (const op of operations) {
      const usersBefore = new Set(users.map((u) => u.id))
      const provedBefore = new Set<UserId>()
      for (const u of users) {
        const stored = yield* store.getUser(u.id)
        if (Option.isSome(stored) && stored.value.emailVerified !== null) provedBefore.add(u.id)
      }
      const current = op.kind === "oauth" ? pick(op.as) : Option.none<User>()
      let account: string | null = null
      let signedInAs: UserId | null = null
      if (op.kind === "oauth") {
        account = keyOf(op.provider, op.accountId)
        const result = yield* Effect.result(oauthSignIn(op.provider, profile(op.accountId, op.email, op.verified), current))
        if (result._tag === "Success") signedInAs = result.success.user.id
      } else if (op.kind === "email") {
        const result = yield* Effect.result(Effect.flatMap(requestLink(op.email), followLink))
        if (result._tag === "Success") signedInAs = result.success.user.id
      } else if (op.kind === "credentials") {
        account = keyOf("credentials", op.who === "ada" ? "app-ada" : "app-bob")
        const result = yield* Effect.result(credentialsSignIn({
          provider: "credentials",
          credentials: { username: op.who, password: op.who === "ada" ? "correct horse" : "battery staple" }
        }))
        if (result._tag === "Success") signedInAs = result.success.user.id
      } else if (op.kind === "unlink") {
        const user = pick(op.user)
        if (Option.isSome(user)) {
          const removed = yield* Effect.result(unlinkProvider(user.value.id, op.provider))
          if (removed._tag === "Success") owner.delete(keyOf(removed.success.provider, removed.success.providerAccountId))
        }
      } else {
        const user = pick(op.user)
        if (Option.isSome(user)) {
          yield* store.deleteUser(user.value.id)
          users.splice(users.indexOf(user.value), 1)
          for (const [key, id] of owner) if (id === user.value.id) owner.delete(key)
        }
      }
      check({
        operation: op,
        current,
        account,
        ownerBefore: account === null ? undefined : owner.get(account),
        usersBefore,
        provedBefore,
        signedInAs
      })
      if (signedInAs !== null) {
        if (account !== null && !owner.has(account)) owner.set(account, signedInAs)
        const signedIn = yield* store.getUser(signedInAs)
        if (Option.isSome(signedIn) && !usersBefore.has(signedInAs)) users.push(signedIn.value)
      }
      // The store agrees with the model: every account is held by exactly the user the model says.
      for (const [key, id] of owner) {
        const [provider, providerAccountId] = key.split("/") as [ProviderId, string]
        const held = yield* store.getUserByAccount({ provider, providerAccountId })
        if (Option.getOrUndefined(held)?.id !== id) throw new Error(`${key} is held by another user than its owner`)
      }
    }
  })
