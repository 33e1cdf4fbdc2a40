import { afterAll, assert, describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, Option } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { open, SqliteDatabase } from "../../../src/adapters/sqlite/SqliteDatabase.ts"
import * as SqliteUsers from "../../../src/adapters/sqlite/SqliteUsers.ts"
import { accountKeyOf } from "../../../src/domain/Account.ts"
import type { VerificationToken } from "../../../src/domain/VerificationToken.ts"
import { Users } from "../../../src/ports/Users.ts"
import { suite } from "../../conformance/Users.ts"
import {
  accountFields,
  century,
  day,
  expectNone,
  expectSome,
  github,
  hour,
  missingUserId,
  newAccount,
  newEmail,
  newSession,
  newUser,
  now,
  sessionFields,
  tokenFields,
  userFields,
  uuid
} from "../../conformance/users/fixtures.ts"

const dir = mkdtempSync(join(tmpdir(), "authfx-sqlite-userstore-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const storeAt = (path: string) => SqliteUsers.layer.pipe(Layer.provide(SqliteDatabase.layer({ path })))

// A store whose connection was closed underneath it: every statement fails, and the store must say
// UsersUnavailable rather than throw. Fresh, because the suite's block has already built (and memoised)
// `SqliteUsers.layer` over the working database.
const closedUnderneath = Layer.fresh(SqliteUsers.layer).pipe(Layer.provide(Layer.effect(
  SqliteDatabase,
  Effect.tap(open({ path: join(dir, "closed.db") }), (db) => Effect.sync(() => db.connection.close()))
)))

suite("sqlite file", storeAt(join(dir, "conformance.db")), { unavailable: closedUnderneath })
suite("sqlite :memory:", storeAt(":memory:"))

let files = 0
const newFile = () => join(dir, `users-${++files}.db`)

/** Runs `f` against a store on `path`, then closes the store and its file, as a process that exits. */
const run = <A, E>(path: string, f: (store: Users["Service"]) => Effect.Effect<A, E>, busyTimeoutMillis?: number) =>
  Effect.scoped(Effect.gen(function*() {
    const database = SqliteDatabase.layer(busyTimeoutMillis === undefined ? { path } : { path, busyTimeoutMillis })
    return yield* f(Context.get(yield* Layer.build(SqliteUsers.layer.pipe(Layer.provide(database))), Users))
  }))

describe("SqliteUsers across restarts", () => {
  it.effect("users, accounts, sessions, verification tokens, revocations and refresh claims survive closing the file", () =>
    Effect.gen(function*() {
      const path = newFile()
      const t = yield* now
      const holder = `holder-${uuid()}`
      const jti = `jti-${uuid()}`
      const written = yield* run(path, (store) =>
        Effect.gen(function*() {
          const user = yield* store.createUser(
            newUser({ emailVerified: new Date(t - day), image: "https://example.com/ada.png" })
          )
          const account = yield* store.linkAccount(newAccount(user.id, github))
          const session = yield* store.createSession(newSession(user.id, new Date(t + day)))
          const token: VerificationToken = {
            identifier: newEmail(),
            tokenHash: `hash-${uuid()}`,
            expires: new Date(t + hour)
          }
          yield* store.createVerificationToken(token)
          yield* store.revokeTokenId(jti, new Date(t + century))
          yield* store.revokeUserTokens(user.id, new Date(t), new Date(t + century))
          assert.isTrue(yield* store.claimTokenRefresh(accountKeyOf(account), { holder, until: new Date(t + century) }))
          return { user, account, session, token }
        }))

      yield* run(path, (store) =>
        Effect.gen(function*() {
          const { account, session, token, user } = written
          const key = accountKeyOf(account)
          expect(userFields(expectSome(yield* store.getUser(user.id), "the user"))).toEqual(userFields(user))
          if (user.email !== null) {
            expect(userFields(expectSome(yield* store.getUserByEmail(user.email), "the user by e-mail")))
              .toEqual(userFields(user))
          }
          expect(userFields(expectSome(yield* store.getUserByAccount(key), "the owner"))).toEqual(userFields(user))
          expect(accountFields(expectSome(yield* store.getAccount(key), "the account"))).toEqual(accountFields(account))
          expect((yield* store.listAccounts(user.id)).map(accountFields)).toEqual([accountFields(account)])
          const found = expectSome(yield* store.getSessionAndUser(session.tokenHash), "the session")
          expect(sessionFields(found.session)).toEqual(sessionFields(session))
          assert.isTrue(yield* store.isTokenRevoked({ jti, userId: missingUserId(), issuedAt: new Date(t), via: null }))
          assert.isTrue(yield* store.isTokenRevoked({ jti: `jti-${uuid()}`, userId: user.id, issuedAt: new Date(t), via: null }))
          assert.isFalse(yield* store.claimTokenRefresh(key, { holder: `holder-${uuid()}`, until: new Date(t + hour) }))
          assert.isTrue(Option.isSome(yield* store.completeTokenRefresh(key, holder, Option.none())))
          const consumed = expectSome(yield* store.consumeVerificationToken(token.identifier, token.tokenHash), "token")
          expect(tokenFields(consumed)).toEqual(token)
        }))

      const consumedAgain = yield* run(path, (store) =>
        store.consumeVerificationToken(written.token.identifier, written.token.tokenHash))
      expectNone(consumedAgain, "a token consumed before the restart")
    }))
})

describe("SqliteUsers housekeeping", () => {
  it.effect("expired verification tokens and revocations are swept from the file as writes go by", () =>
    Effect.gen(function*() {
      const path = newFile()
      const t = yield* now
      yield* run(path, (store) =>
        Effect.gen(function*() {
          const past = new Date(t - hour)
          const token = (expires: Date) => ({ identifier: newEmail(), tokenHash: `hash-${uuid()}`, expires })
          yield* store.createVerificationToken(token(past))
          yield* store.createVerificationToken(token(new Date(t + hour)))
          yield* store.revokeTokenId(`jti-${uuid()}`, past)
          yield* store.revokeUserTokens(missingUserId(), past, past)
          const live = Array.from({ length: 256 }, () => store.revokeTokenId(`jti-${uuid()}`, new Date(t + hour)))
          yield* Effect.all(live, { discard: true })
        }))
      const raw = new DatabaseSync(path, { readOnly: true })
      const count = (table: string) => raw.prepare(`SELECT count(*) AS n FROM ${table}`).get()?.["n"]
      assert.deepStrictEqual(
        [count("verification_tokens"), count("revoked_token_ids"), count("revoked_user_tokens")],
        [1, 256, 0]
      )
      raw.close()
    }))
})

describe("SqliteUsers outages", () => {
  it.effect("a write held up past the busy timeout fails with UsersUnavailable naming no one; it recovers", () =>
    Effect.gen(function*() {
      const path = newFile()
      const existing = yield* run(path, (store) => store.createUser(newUser()))
      yield* run(path, (store) =>
        Effect.gen(function*() {
          const blocker = new DatabaseSync(path)
          blocker.exec("BEGIN IMMEDIATE")
          const email = newEmail()
          const error = yield* Effect.flip(store.createUser(newUser({ email })))
          assert.strictEqual(error._tag, "UsersUnavailable")
          assert.include(error.message, "locked")
          assert.notInclude(error.message, email)
          // WAL: readers do not wait for the writer.
          assert.isTrue(Option.isSome(yield* store.getUser(existing.id)))
          blocker.exec("ROLLBACK")
          blocker.close()
          assert.strictEqual((yield* store.createUser(newUser({ email }))).email, email)
        }), 50)
    }))

  it.effect("a closed database fails every call with UsersUnavailable whose message names no one", () =>
    Effect.gen(function*() {
      const email = newEmail()
      const error = yield* Effect.scoped(Effect.gen(function*() {
        const db = yield* open({ path: newFile() })
        const store = Context.get(
          yield* Layer.build(Layer.fresh(SqliteUsers.layer)).pipe(Effect.provideService(SqliteDatabase, db)),
          Users
        )
        db.connection.close()
        return yield* Effect.flip(store.createUser(newUser({ email })))
      }))
      assert.strictEqual(error._tag, "UsersUnavailable")
      assert.strictEqual(error.message, "the SQLite user store could not create a user: the database is closed")
    }))
})
