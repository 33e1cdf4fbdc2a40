/**
 * The tokens decorator beyond the conformance suite (which runs unchanged over it, below): the program that
 * seals every stored row, a rewrite racing a refresh, kids it does not know, keys of an earlier secret, a
 * KeyStore that is down, and the bridges to Auth.js.
 */
import { UnstorageAdapter } from "@auth/unstorage-adapter"
import { assert, describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, ManagedRuntime, Option, Redacted } from "effect"
import { createStorage } from "unstorage"
import * as MemoryLedger from "../../../src/adapters/memory/MemoryLedger.ts"
import * as AuthjsUsers from "../../../src/adapters/authjs/AuthjsUsers.ts"
import { toAuthjsAdapter } from "../../../src/adapters/authjs/toAuthjsAdapter.ts"
import * as MemoryKeyStore from "../../../src/adapters/memory/MemoryKeyStore.ts"
import * as MemoryUsers from "../../../src/adapters/memory/MemoryUsers.ts"
import * as SealedTokensUsers from "../../../src/adapters/sealedTokens/SealedTokensUsers.ts"
import { type Account, accountKeyOf, type TokenSet } from "../../../src/domain/Account.ts"
import { KeyStore, KeyStoreUnavailable } from "../../../src/ports/KeyStore.ts"
import { type TokenSecrets, Users } from "../../../src/ports/Users.ts"
import { suite } from "../../conformance/Users.ts"
import { accountFields, fullTokens, github, newAccount, newUser, outcomeOf, uuid } from "../../conformance/users/fixtures.ts"

const secret = Redacted.make("gFu4GH8uInEXCbrDmt3mZ8JYIDwF6mr23J5wU2k6Z3Do")
const earlierSecret = Redacted.make("F6o6j/F1SRJeNgsT48Cf7UFspbSahFCFmcaIpDBYOqxL")
const sealedPrefix = "authfx.sealed.v1."

suite(
  "memory, tokens sealed",
  SealedTokensUsers.layer(MemoryUsers.layer).pipe(Layer.provide(MemoryKeyStore.layer({ secrets: [secret] })))
)

/** A raw memory store, the decorator over it, and the key store, all of one case. */
const rig = (secrets: ReadonlyArray<Redacted.Redacted<string>> = [secret], raw?: Users["Service"]) =>
  Effect.gen(function*() {
    const inner = raw ?? (yield* MemoryUsers.make)
    const keys = yield* MemoryKeyStore.make({ secrets })
    const { sealing, store } = SealedTokensUsers.make(inner, keys)
    return { raw: inner, keys, sealing, store }
  })

const secretsOf = (account: TokenSecrets) => ({
  accessToken: account.accessToken === null ? null : Redacted.value(account.accessToken),
  refreshToken: account.refreshToken === null ? null : Redacted.value(account.refreshToken),
  idToken: account.idToken === null ? null : Redacted.value(account.idToken)
})

const rawAccount = (raw: Users["Service"], account: Account) =>
  Effect.map(raw.getAccount(accountKeyOf(account)), Option.getOrThrow)

const kidsOf = (account: TokenSecrets) =>
  Object.values(secretsOf(account)).map((value) => (value ?? "").slice(sealedPrefix.length).split(".")[0])

/** A user and an account written straight into `raw`, tokens in plain text: a row from before sealing. */
const plainRow = (raw: Users["Service"]) =>
  Effect.gen(function*() {
    const user = yield* raw.createUser(newUser())
    return yield* raw.linkAccount(newAccount(user.id))
  })

describe("SealedTokensUsers", () => {
  it.effect("sealStoredTokens seals rows in plain text and under an older key, and a second run finds nothing to do", () =>
    Effect.gen(function*() {
      const { keys, raw, sealing, store } = yield* rig()
      const plain = yield* plainRow(raw)
      const user = yield* store.createUser(newUser())
      const older = yield* store.linkAccount(newAccount(user.id))
      const rotated = yield* keys.rotate("tokens")
      const empty = yield* store.linkAccount(newAccount((yield* store.createUser(newUser())).id, github, {
        accessToken: null,
        refreshToken: null,
        idToken: null
      }))

      const report = yield* sealing.sealStoredTokens({ pageSize: 2 })
      expect(report).toEqual({ listed: true, accounts: 3, sealed: 2, unreadable: 0 })
      for (const account of [plain, older]) {
        const stored = yield* rawAccount(raw, account)
        expect(kidsOf(stored)).toEqual([rotated.kid, rotated.kid, rotated.kid])
        expect(Object.values(secretsOf(stored)).every((value) => !Object.values(secretsOf(account)).includes(value)))
          .toBe(true)
        expect(accountFields(Option.getOrThrow(yield* store.getAccount(accountKeyOf(account))))).toEqual(accountFields(account))
      }
      expect(secretsOf(yield* rawAccount(raw, empty))).toEqual({ accessToken: null, refreshToken: null, idToken: null })
      expect(yield* sealing.sealStoredTokens()).toEqual({ listed: true, accounts: 3, sealed: 0, unreadable: 0 })
    }))

  it.effect("sealStoredTokens counts, and leaves as they are, tokens no key opens", () =>
    Effect.gen(function*() {
      const { keys, raw, sealing, store } = yield* rig()
      const user = yield* store.createUser(newUser())
      const account = yield* store.linkAccount(newAccount(user.id))
      const before = yield* rawAccount(raw, account)
      yield* keys.rotate("tokens", { retireAfterSeconds: 0 })
      expect(yield* sealing.sealStoredTokens()).toEqual({ listed: true, accounts: 1, sealed: 0, unreadable: 1 })
      expect(secretsOf(yield* rawAccount(raw, account))).toEqual(secretsOf(before))
    }))

  it.effect("a rewrite that a refresh overtakes is dropped: the refreshed tokens stay", () =>
    Effect.gen(function*() {
      const raw = yield* MemoryUsers.make
      const refreshed = fullTokens()
      let refreshOnce: (() => Effect.Effect<void, unknown>) | null = null
      // The refresh lands between the decorator's read of the row and its rewrite of it.
      const racing = Users.of({
        ...raw,
        getAccount: (key) =>
          Effect.tap(raw.getAccount(key), () => {
            const refresh = refreshOnce
            refreshOnce = null
            return refresh === null ? Effect.void : Effect.orDie(refresh())
          })
      })
      const { keys, sealing: _sealing, store } = yield* rig([secret], racing)
      const user = yield* store.createUser(newUser())
      const account = yield* store.linkAccount(newAccount(user.id))
      yield* keys.rotate("tokens")
      // A token refresh storing its outcome over the tokens it started from, as TokenRotation does.
      refreshOnce = () =>
        Effect.asVoid(store.updateAccountIf(
          accountKeyOf(account),
          { accessToken: account.accessToken, refreshToken: account.refreshToken, idToken: account.idToken },
          { tokens: refreshed, needsReauth: false }
        ))
      const read = Option.getOrThrow(yield* store.getAccount(accountKeyOf(account)))
      // The read answers what it read; the store keeps what the refresh wrote.
      expect(secretsOf(read)).toEqual(secretsOf(account))
      const after = Option.getOrThrow(yield* store.getAccount(accountKeyOf(account)))
      expect(secretsOf(after)).toEqual(secretsOf(refreshed))
      expect(after.expiresAt).toEqual(refreshed.expiresAt)
    }))

  it.effect("a kid the KeyStore does not know is opened by trying its verification keys", () =>
    Effect.gen(function*() {
      const { raw, store } = yield* rig()
      const user = yield* store.createUser(newUser())
      const account = yield* store.linkAccount(newAccount(user.id))
      const stored = yield* rawAccount(raw, account)
      const strangeKid = (value: Redacted.Redacted<string> | null) => {
        const text = Redacted.value(value!)
        const payload = text.slice(text.lastIndexOf(".") + 1)
        return Redacted.make(`${sealedPrefix}kid-of-another-process-${uuid()}.${payload}`)
      }
      yield* raw.updateAccountIf(accountKeyOf(account), stored, { tokens: {
        accessToken: strangeKid(stored.accessToken),
        refreshToken: strangeKid(stored.refreshToken),
        idToken: strangeKid(stored.idToken)
      } })
      expect(secretsOf(Option.getOrThrow(yield* store.getAccount(accountKeyOf(account))))).toEqual(secretsOf(account))
    }))

  it.effect("tokens sealed under an earlier AUTH_SECRET read while it is listed, and are sealed under the current one", () =>
    Effect.gen(function*() {
      const before = yield* rig([earlierSecret])
      const user = yield* before.store.createUser(newUser())
      const account = yield* before.store.linkAccount(newAccount(user.id))
      const oldKids = kidsOf(yield* rawAccount(before.raw, account))
      const after = yield* rig([secret, earlierSecret], before.raw)
      expect(secretsOf(Option.getOrThrow(yield* after.store.getAccount(accountKeyOf(account))))).toEqual(secretsOf(account))
      const current = yield* after.keys.current("tokens")
      const resealed = kidsOf(yield* rawAccount(after.raw, account))
      expect(resealed).toEqual([current.kid, current.kid, current.kid])
      expect(resealed).not.toEqual(oldKids)
      // With the earlier secret dropped too soon, what it sealed reads as no token: a new sign-in, not an error.
      const other = yield* before.store.linkAccount(newAccount((yield* before.store.createUser(newUser())).id))
      const withoutEarlier = yield* rig([secret], before.raw)
      expect(secretsOf(Option.getOrThrow(yield* withoutEarlier.store.getAccount(accountKeyOf(other)))))
        .toEqual({ accessToken: null, refreshToken: null, idToken: null })
    }))

  it.effect("a value with the sealed prefix that does not parse or open reads as no token", () =>
    Effect.gen(function*() {
      const { raw, store } = yield* rig()
      const user = yield* store.createUser(newUser())
      const account = yield* store.linkAccount(newAccount(user.id))
      const stored = yield* rawAccount(raw, account)
      yield* raw.updateAccountIf(accountKeyOf(account), stored, { tokens: {
        accessToken: Redacted.make(`${sealedPrefix}no-payload`),
        refreshToken: Redacted.make(`${sealedPrefix}kid.not*base64url`),
        idToken: Redacted.make(`${sealedPrefix}kid.AAAA`)
      } })
      expect(secretsOf(Option.getOrThrow(yield* store.getAccount(accountKeyOf(account)))))
        .toEqual({ accessToken: null, refreshToken: null, idToken: null })
    }))

  it.effect("a KeyStore that is down makes token reads and writes UsersUnavailable, never a defect", () =>
    Effect.gen(function*() {
      const raw = yield* MemoryUsers.make
      const keys = yield* MemoryKeyStore.make({ secrets: [secret] })
      let down = false
      const unavailable = new KeyStoreUnavailable({ message: "the key table is down" })
      const flaky = KeyStore.of({
        ...keys,
        current: (purpose) => (down ? Effect.fail(unavailable) : keys.current(purpose)),
        find: (purpose, kid) => (down ? Effect.fail(unavailable) : keys.find(purpose, kid)),
        verificationKeys: (purpose) => (down ? Effect.fail(unavailable) : keys.verificationKeys(purpose))
      })
      const { store } = SealedTokensUsers.make(raw, flaky)
      const user = yield* store.createUser(newUser())
      const account = yield* store.linkAccount(newAccount(user.id))
      const before = secretsOf(yield* rawAccount(raw, account))
      down = true
      const key = accountKeyOf(account)
      const outcomes = {
        getAccount: outcomeOf(yield* Effect.exit(store.getAccount(key))),
        listAccounts: outcomeOf(yield* Effect.exit(store.listAccounts(user.id))),
        updateAccountTokens: outcomeOf(yield* Effect.exit(store.updateAccountTokens(key, fullTokens()))),
        linkAccount: outcomeOf(yield* Effect.exit(store.linkAccount(newAccount((yield* store.createUser(newUser())).id))))
      }
      expect(outcomes).toEqual({
        getAccount: "UsersUnavailable",
        listAccounts: "UsersUnavailable",
        updateAccountTokens: "UsersUnavailable",
        linkAccount: "UsersUnavailable"
      })
      // Nothing was written meanwhile: no token went to the store unsealed.
      expect(secretsOf(yield* rawAccount(raw, account))).toEqual(before)
    }))

  it.effect("wrapping a sealed store again seals once", () =>
    Effect.gen(function*() {
      const { keys, raw, store } = yield* rig()
      const twice = SealedTokensUsers.make(store, keys)
      assert.strictEqual(twice.store, store)
      const account = yield* twice.store.linkAccount(newAccount((yield* twice.store.createUser(newUser())).id))
      const stored = Redacted.value((yield* rawAccount(raw, account)).accessToken!)
      expect(stored.startsWith(sealedPrefix)).toBe(true)
      expect(stored.slice(sealedPrefix.length)).not.toContain(sealedPrefix.slice(0, -1))
    }))
})

describe("SealedTokensUsers and Auth.js", () => {
  it.effect("over the Auth.js bridge: tokens are sealed in the ledger, rows Auth.js wrote are sealed as read", () =>
    Effect.gen(function*() {
      const storage = createStorage()
      const adapter = UnstorageAdapter(storage)
      const bridge = Context.get(
        yield* Layer.build(AuthjsUsers.layer(adapter).pipe(Layer.provide(MemoryLedger.layer))),
        Users
      )
      const { raw, sealing, store } = yield* rig([secret], bridge)
      // An account Auth.js linked itself, before authfx: plain text in the adapter's row.
      const authjsUser = yield* Effect.promise(async () =>
        adapter.createUser!({ id: uuid(), email: `u-${uuid()}@example.com`, emailVerified: null })
      )
      const tokens: TokenSet = fullTokens()
      const providerAccountId = `gh-${uuid()}`
      yield* Effect.promise(async () =>
        adapter.linkAccount!({
          userId: authjsUser.id,
          type: "oauth",
          provider: "github",
          providerAccountId,
          access_token: Redacted.value(tokens.accessToken!),
          refresh_token: Redacted.value(tokens.refreshToken!),
          id_token: Redacted.value(tokens.idToken!)
        })
      )
      expect(yield* sealing.sealStoredTokens()).toEqual({ listed: false, accounts: 0, sealed: 0, unreadable: 0 })
      const key = { provider: github, providerAccountId }
      expect(secretsOf(Option.getOrThrow(yield* store.getAccount(key)))).toEqual(secretsOf(tokens))
      const ledgerCopy = Option.getOrThrow(yield* raw.getAccount(key))
      expect(Redacted.value(ledgerCopy.accessToken!).startsWith(sealedPrefix)).toBe(true)
      expect(secretsOf(Option.getOrThrow(yield* store.getAccount(key)))).toEqual(secretsOf(tokens))
    }))

  it("toAuthjsAdapter over the sealed store: Auth.js reads and writes tokens in clear, the store keeps them sealed", async () => {
    const raw = Effect.runSync(MemoryUsers.make)
    const runtime = ManagedRuntime.make(
      SealedTokensUsers.layer(Layer.succeed(Users, raw)).pipe(Layer.provide(MemoryKeyStore.layer({ secrets: [secret] })))
    )
    try {
      const adapter = toAuthjsAdapter(runtime)
      const user = await adapter.createUser!({ id: uuid(), email: `u-${uuid()}@example.com`, emailVerified: null })
      const providerAccountId = `gh-${uuid()}`
      await adapter.linkAccount!({
        userId: user.id,
        type: "oauth",
        provider: "github",
        providerAccountId,
        access_token: "access-token-in-clear",
        refresh_token: "refresh-token-in-clear"
      })
      const read = await adapter.getAccount!(providerAccountId, "github")
      expect([read?.access_token, read?.refresh_token]).toEqual(["access-token-in-clear", "refresh-token-in-clear"])
      const stored = Option.getOrThrow(await Effect.runPromise(raw.getAccount({ provider: github, providerAccountId })))
      expect(Redacted.value(stored.accessToken!).startsWith(sealedPrefix)).toBe(true)
      expect(Redacted.value(stored.refreshToken!)).not.toContain("refresh-token-in-clear")
    } finally {
      await runtime.dispose()
    }
  })
})
