import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Option } from "effect"
import type { ProviderId } from "../../src/domain/Account.ts"
import type { AuthOptions } from "../../src/domain/AuthConfig.ts"
import { credentialsSignIn } from "../../src/domain/credentialsSignIn.ts"
import type { CredentialsProviderConfig, CredentialsUser } from "../../src/domain/Provider.ts"
import { readSession } from "../../src/domain/sessionLifecycle.ts"
import { CredentialsSignin } from "../../src/domain/SignInError.ts"
import type { Email } from "../../src/domain/User.ts"
import { Users } from "../../src/ports/Users.ts"
import { expectTag } from "../support/expectTag.ts"
import { credentials, run, type Services } from "../support/memoryHarness.ts"



const signIn = (username: string, password: string, provider: ProviderId | string = credentials) =>
  credentialsSignIn({ provider, credentials: { username, password } })

/** A harness whose only provider is a credentials provider with this `authorize`. */
const withAuthorize = (authorize: CredentialsProviderConfig["authorize"]): Partial<AuthOptions> => ({
  providers: [{ type: "credentials", id: "pin" as ProviderId, name: "PIN", fields: {}, trustEmail: false, authorize }]
})
const userByEmail = (email: string) => Users.use((store) => store.getUserByEmail(email as Email))
const signInPin = credentialsSignIn({ provider: "pin", credentials: { pin: "1234" } })

/** Fails the test unless `program` failed with an error (a defect is not a refusal). */
const failureOf = <A, E>(program: Effect.Effect<A, E, Services>, options: Partial<AuthOptions>) =>
  Effect.gen(function*() {
    const exit = yield* Effect.exit(run(program, options))
    if (Exit.isSuccess(exit)) return assert.fail("expected the sign-in to fail")
    assert.isFalse(Cause.hasDies(exit.cause), "authorize failures must never become defects")
    return yield* Effect.flip(exit)
  })

describe("credentials sign-in", () => {
  it.effect.each(["jwt", "database"] as const)("the right password signs in a user with a %s session", (strategy) =>
    run(Effect.gen(function*() {
      const first = yield* signIn("ada", "correct horse")
      assert.isTrue(first.isNewUser)
      assert.strictEqual(first.user.name, "Ada")
      assert.strictEqual(first.user.email, "ada@example.com")
      assert.isNull(first.user.emailVerified, "the provider is not trusted to vouch for the address")
      assert.strictEqual(first.account.provider, "credentials")
      assert.strictEqual(first.account.providerAccountId, "app-ada")
      assert.strictEqual(first.account.accessToken, null)
      const session = first.session
      if (session === null) return assert.fail("expected a session")
      assert.strictEqual(session._tag, strategy === "jwt" ? "Jwt" : "Database")
      const read = yield* readSession(
        session._tag === "Jwt" ? { _tag: "Jwt", claims: session.claims } : { _tag: "DatabaseToken", token: session.token }
      )
      if (read._tag !== "Active") return assert.fail("expected the issued session to read as Active")
      assert.strictEqual(read.session._tag, session._tag)
      assert.strictEqual(read.session.userId, first.user.id)

      const second = yield* signIn("ada", "correct horse")
      assert.strictEqual(second.user.id, first.user.id)
      assert.isFalse(second.isNewUser)
      assert.strictEqual(second.decision, "SignInExisting")
      assert.strictEqual((yield* Users.use((store) => store.listAccounts(first.user.id))).length, 1)
    }), { session: { strategy } }))

  it.effect("a wrong password or an unknown user is CredentialsSignin with code credentials", () =>
    run(Effect.gen(function*() {
      const wrong = yield* Effect.flip(signIn("ada", "incorrect horse"))
      assert.strictEqual(expectTag(wrong, "CredentialsSignin").code, "credentials")
      const unknown = yield* Effect.flip(signIn("eve", "correct horse"))
      assert.strictEqual(expectTag(unknown, "CredentialsSignin").code, "credentials")
      assert.isTrue(Option.isNone(yield* userByEmail("ada@example.com")))
    })))

  it.effect("an unknown provider id, or one that is not a credentials provider, is ProviderNotConfigured", () =>
    run(Effect.gen(function*() {
      const unknown = yield* Effect.flip(signIn("ada", "correct horse", "nope"))
      assert.strictEqual(expectTag(unknown, "ProviderNotConfigured").provider, "nope")
      const oauth = yield* Effect.flip(signIn("ada", "correct horse", "github"))
      assert.strictEqual(expectTag(oauth, "ProviderNotConfigured").provider, "github")
    })))

  it.effect("authorize refusing with its own CredentialsSignin code keeps the code, however it refuses", () =>
    Effect.gen(function*() {
      const locked = () => new CredentialsSignin({ code: "locked" })
      const ways: ReadonlyArray<CredentialsProviderConfig["authorize"]> = [
        () => Effect.fail(locked()),
        () => { throw locked() },
        () => Promise.reject(locked())
      ]
      for (const authorize of ways) {
        const error = yield* failureOf(signInPin, withAuthorize(authorize))
        assert.strictEqual(expectTag(error, "CredentialsSignin").code, "locked")
      }
    }))

  it.effect("authorize failing any other way is CallbackFailed, never a defect", () =>
    Effect.gen(function*() {
      const ways: ReadonlyArray<CredentialsProviderConfig["authorize"]> = [
        () => { throw new Error("database down") },
        () => Promise.reject(new Error("database down")),
        () => Effect.fail("database down"),
        () => Effect.die(new Error("bug in authorize"))
      ]
      for (const authorize of ways) {
        const error = yield* failureOf(signInPin, withAuthorize(authorize))
        assert.strictEqual(expectTag(error, "CallbackFailed").callback, "authorize")
      }
    }))

  it.effect("authorize returning a user without a usable id is CallbackFailed and creates nobody", () =>
    Effect.gen(function*() {
      const noId = { name: "Ada", email: "ada@example.com" } as unknown as CredentialsUser
      for (const user of [noId, { id: "" }, { id: 42 } as unknown as CredentialsUser]) {
        yield* run(Effect.gen(function*() {
          const error = yield* Effect.flip(signInPin)
          assert.strictEqual(expectTag(error, "CallbackFailed").callback, "authorize")
          assert.isTrue(Option.isNone(yield* userByEmail("ada@example.com")))
        }), withAuthorize(() => user))
      }
    }))
})
