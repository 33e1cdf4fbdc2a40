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
  day,
  expectNone,
  expectSome,
  github,
  hour,
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
  it.effect("users, accounts, sessions and verification tokens survive closing the file", () =>
    Effect.gen(function*() {
      const path = newFile()
      const t = yield* now
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
          const consumed = expectSome(yield* store.consumeVerificationToken(token.identifier, token.tokenHash), "token")
          expect(tokenFields(consumed)).toEqual(token)
        }))

      const consumedAgain = yield* run(path, (store) =>
        store.consumeVerificationToken(written.token.identifier, written.token.tokenHash))
      expectNone(consumedAgain, "a token consumed before the restart")
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
