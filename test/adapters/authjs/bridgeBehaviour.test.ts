/**
 * The bridge's own decisions, beyond the conformance suite: what it refuses at build, how adapter errors map
 * to the port's, what it does when only one of its two backends is down, and how it treats data written
 * behind its back (links Auth.js made before the switch, or removed while both ran). On @auth/unstorage-adapter
 * (memory driver), whose methods are wrapped where a case needs a failing driver.
 */
import type { Adapter } from "@auth/core/adapters"
import { UnstorageAdapter } from "@auth/unstorage-adapter"
import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Option, Redacted } from "effect"
import { createStorage } from "unstorage"
import * as AuthjsUsers from "../../../src/adapters/authjs/AuthjsUsers.ts"
import * as MemoryLedger from "../../../src/adapters/memory/MemoryLedger.ts"
import { ProviderId } from "../../../src/domain/Account.ts"
import { Email } from "../../../src/domain/User.ts"
import type { UsersUnavailable } from "../../../src/ports/Users.ts"
import { keepSignInMethod, newAccount, newUser, outcomeOf } from "../../conformance/users/fixtures.ts"
import { downLedger } from "./support/downStorage.ts"

const github = ProviderId.make("github")
const bridgeOver = (adapter: Adapter, options?: AuthjsUsers.Options) =>
  AuthjsUsers.make(adapter, options).pipe(Effect.provide(MemoryLedger.layer))

const failureOf = <A>(exit: Exit.Exit<A, { readonly _tag: string }>) => {
  if (Exit.isSuccess(exit)) return assert.fail("expected a failure")
  const reason = exit.cause.reasons[0]
  return reason !== undefined && "error" in reason ? reason.error as UsersUnavailable : assert.fail("expected a typed failure")
}

describe("building the bridge", () => {
  it.effect("an adapter without the methods authfx needs is refused, naming them", () =>
    Effect.gen(function*() {
      const { deleteUser: _deleteUser, unlinkAccount: _unlinkAccount, ...partial } = UnstorageAdapter(createStorage())
      const error = yield* Effect.flip(bridgeOver(partial))
      assert.strictEqual(error._tag, "AuthjsAdapterIncomplete")
      expect(error.missing).toEqual(["deleteUser", "unlinkAccount"])
    }))

  it.effect("without verification tokens there is no e-mail sign-in, unless the application opts out", () =>
    Effect.gen(function*() {
      const { createVerificationToken: _c, useVerificationToken: _u, ...noTokens } = UnstorageAdapter(createStorage())
      const error = yield* Effect.flip(bridgeOver(noTokens))
      expect(error.missing).toEqual(["createVerificationToken", "useVerificationToken"])
      expect(error.message).toContain("e-mail sign-in")
      const store = yield* bridgeOver(noTokens, { verificationTokens: false })
      assert.strictEqual(outcomeOf(yield* Effect.exit(store.consumeVerificationToken("a@example.com", "h"))), "UsersUnavailable")
    }))
})

describe("adapter errors", () => {
  const pgUnique = () =>
    Object.assign(new Error('duplicate key value violates unique constraint "users_email_key"'), {
      name: "error",
      code: "23505",
      detail: "Key (email)=(ada@example.com) already exists."
    })

  it.effect("a unique violation on createUser is EmailTaken, also wrapped in another error's cause (Drizzle)", () =>
    Effect.gen(function*() {
      for (const thrown of [pgUnique(), new Error("Failed query", { cause: pgUnique() })]) {
        const store = yield* bridgeOver({ ...UnstorageAdapter(createStorage()), createUser: () => Promise.reject(thrown) })
        const error = yield* Effect.flip(store.createUser(newUser()))
        assert.strictEqual(error._tag, "EmailTaken")
      }
    }))

  it.effect("other failures are UsersUnavailable naming the method and codes, never the driver's text", () =>
    Effect.gen(function*() {
      const secretAddress = "ada@example.com"
      const store = yield* bridgeOver({
        ...UnstorageAdapter(createStorage()),
        getUserByEmail: () => {
          // Thrown synchronously, not rejected: still an outage, never a defect.
          throw Object.assign(new Error(`connection lost while looking up ${secretAddress}`), { code: "ECONNRESET" })
        }
      })
      const error = failureOf(yield* Effect.exit(store.getUserByEmail(Email.make(secretAddress))))
      assert.strictEqual(error._tag, "UsersUnavailable")
      expect(error.message).toBe("the Auth.js adapter's getUserByEmail failed (Error ECONNRESET)")
      expect(JSON.stringify(error)).not.toContain(secretAddress)
      expect(String(error.cause)).not.toContain(secretAddress)
    }))

  it.effect("a record that does not fit the model is an outage naming the fields, not their values", () =>
    Effect.gen(function*() {
      const store = yield* bridgeOver({
        ...UnstorageAdapter(createStorage()),
        getUser: () => ({ id: 7, name: 42, email: "not an address", emailVerified: "yesterday" }) as never
      })
      const error = failureOf(yield* Effect.exit(store.getUser("7" as never)))
      expect(error.message).toBe(
        "the Auth.js adapter returned a user that does not match the authfx model (name, emailVerified)"
      )
      expect(error.message).not.toContain("not an address")
    }))

  it.live("an adapter that never answers fails after the timeout", () =>
    Effect.gen(function*() {
      const store = yield* bridgeOver(
        { ...UnstorageAdapter(createStorage()), getUser: () => new Promise<never>(() => undefined) },
        { timeout: "50 millis" }
      )
      const error = failureOf(yield* Effect.exit(store.getUser("1" as never)))
      expect(error.message).toBe("the Auth.js adapter's getUser failed (Timeout)")
    }))
})

describe("one backend down", () => {
  it.effect("with the ledger down, what the adapter alone answers still works; the rest is unavailable", () =>
    Effect.gen(function*() {
      const store = yield* AuthjsUsers.make(UnstorageAdapter(createStorage())).pipe(Effect.provide(downLedger))
      const user = yield* store.createUser(newUser())
      assert.isTrue(Option.isSome(yield* store.getUser(user.id)))
      const token = { identifier: "a@example.com", tokenHash: "h1", expires: new Date(60_000) }
      yield* store.createVerificationToken(token)
      const needsLedger: Record<string, Exit.Exit<unknown, { readonly _tag: string }>> = {
        linkAccount: yield* Effect.exit(store.linkAccount(newAccount(user.id))),
        listAccounts: yield* Effect.exit(store.listAccounts(user.id)),
        createSession: yield* Effect.exit(store.createSession({ tokenHash: "s", userId: user.id, expires: new Date(60_000), via: null })),
        // The claim that makes a magic link single-use across nodes is a Ledger entry.
        consumeVerificationToken: yield* Effect.exit(store.consumeVerificationToken(token.identifier, token.tokenHash))
      }
      expect(Object.values(needsLedger).map(outcomeOf)).toEqual(Array(4).fill("UsersUnavailable"))
    }))
})

describe("magic links", () => {
  it.effect("a consume whose adapter call fails gives its claim back: the link works on the next try", () =>
    Effect.gen(function*() {
      const adapter = UnstorageAdapter(createStorage())
      let failNext = true
      const store = yield* bridgeOver({
        ...adapter,
        useVerificationToken: (params) => {
          if (!failNext) return adapter.useVerificationToken!(params)
          failNext = false
          return Promise.reject(Object.assign(new Error("connection reset"), { code: "ECONNRESET" }))
        }
      })
      const token = { identifier: "a@example.com", tokenHash: "h1", expires: new Date(60_000) }
      yield* store.createVerificationToken(token)
      assert.strictEqual(outcomeOf(yield* Effect.exit(store.consumeVerificationToken("a@example.com", "h1"))), "UsersUnavailable")
      assert.isTrue(Option.isSome(yield* store.consumeVerificationToken("a@example.com", "h1")))
      assert.isTrue(Option.isNone(yield* store.consumeVerificationToken("a@example.com", "h1")))
    }))
})

describe("data written behind the bridge's back", () => {
  it.effect("an account Auth.js linked before the switch is found, read back (getAccount) and adopted", () =>
    Effect.gen(function*() {
      const adapter = UnstorageAdapter(createStorage())
      const store = yield* bridgeOver(adapter)
      const user = yield* store.createUser(newUser())
      yield* Effect.promise(async () => {
        await adapter.linkAccount!({
          userId: user.id,
          type: "oidc",
          provider: "github",
          providerAccountId: "legacy-1",
          access_token: "legacy-access",
          // Some Auth.js adapters write "no token" as an empty string: authfx reads it as none.
          refresh_token: "",
          expires_at: 1_900_000_000
        })
      })
      const key = { provider: github, providerAccountId: "legacy-1" }
      // Not yet in the ledger: Auth.js cannot list a user's accounts.
      expect(yield* store.listAccounts(user.id)).toEqual([])
      const account = Option.getOrThrow(yield* store.getAccount(key))
      expect([account.type, account.accessToken && Redacted.value(account.accessToken), account.refreshToken, account.expiresAt])
        .toEqual(["oidc", "legacy-access", null, new Date(1_900_000_000_000)])
      expect((yield* store.listAccounts(user.id)).map((a) => a.providerAccountId)).toEqual(["legacy-1"])
    }))

  it.effect("a link removed behind the bridge is neither listed, nor blocks the provider, nor counts as a way in", () =>
    Effect.gen(function*() {
      const adapter = UnstorageAdapter(createStorage())
      const store = yield* bridgeOver(adapter)
      const user = yield* store.createUser(newUser())
      const gone = yield* store.linkAccount(newAccount(user.id, github))
      const kept = yield* store.linkAccount(newAccount(user.id, ProviderId.make("gitlab")))
      yield* Effect.promise(async () => {
        await adapter.unlinkAccount!({ provider: gone.provider, providerAccountId: gone.providerAccountId })
      })
      expect((yield* store.listAccounts(user.id)).map((a) => a.provider)).toEqual(["gitlab"])
      const error = yield* Effect.flip(store.unlinkAccount(kept, keepSignInMethod(false)))
      assert.strictEqual(error._tag, "LastSignInMethod")
      yield* store.linkAccount(newAccount(user.id, github))
      expect((yield* store.listAccounts(user.id)).map((a) => a.provider).sort()).toEqual(["github", "gitlab"])
    }))
})
