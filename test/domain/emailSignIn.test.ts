import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { Outbox } from "../../src/adapters/memory/MemoryMailer.ts"
import { requestEmailSignIn } from "../../src/domain/emailSignIn.ts"
import type { Email } from "../../src/domain/User.ts"
import { KeyStore } from "../../src/ports/KeyStore.ts"
import { Users } from "../../src/ports/Users.ts"
import { expectTag } from "../support/expectTag.ts"
import { emailProvider, followLink, github, oauthSignIn, profile, requestLink, run, start } from "../support/memoryHarness.ts"



const linkTo = (token: Redacted.Redacted<string>, identifier: Email) =>
  `http://localhost:3000/auth/callback/email?token=${Redacted.value(token)}&email=${encodeURIComponent(identifier)}`
const request = (email: string) =>
  requestEmailSignIn({ provider: emailProvider, email, host: "localhost:3000", link: linkTo })
const outbox = Outbox.use((o) => o.all)
const userByEmail = (email: string) => Users.use((store) => store.getUserByEmail(email as Email))
const day = 24 * 60 * 60 * 1000

describe("e-mail sign-in: the request", () => {
  it.effect("sends one mail to the normalised address, whose text and html both carry the link", () =>
    run(Effect.gen(function*() {
      const link = yield* requestLink("  Ada@Example.COM ")
      assert.strictEqual(link.identifier, "ada@example.com")
      const mails = yield* outbox
      assert.strictEqual(mails.length, 1)
      const mail = mails[0]!
      assert.strictEqual(mail.to, "ada@example.com")
      assert.strictEqual(mail.from, "auth@example.com")
      const url = `http://localhost:3000/auth/callback/email?token=${link.token}&email=ada%40example.com`
      assert.include(Redacted.value(mail.text), url)
      assert.include(Redacted.value(mail.html), `href="${url.replaceAll("&", "&amp;")}"`)
      assert.isAtLeast(link.token.length, 43, "32 random bytes, base64url")
    })))

  it.effect("the raw token is not what the store keeps", () =>
    run(Effect.gen(function*() {
      const link = yield* requestLink("ada@example.com")
      const asHash = yield* Users.use((store) => store.consumeVerificationToken(link.identifier, link.token))
      assert.isTrue(Option.isNone(asHash))
      assert.isTrue((yield* followLink(link)).isNewUser, "the probe consumed nothing; the link still works")
    })))

  it.effect("known and unknown addresses get the same answer and both get mail: no enumeration", () =>
    run(Effect.gen(function*() {
      yield* followLink(yield* requestLink("known@example.com"))
      const known = yield* request("known@example.com")
      const unknown = yield* request("unknown@example.com")
      assert.deepStrictEqual(Object.keys(known), Object.keys(unknown))
      assert.deepStrictEqual(known, { identifier: "known@example.com" })
      assert.deepStrictEqual(unknown, { identifier: "unknown@example.com" })
      assert.deepStrictEqual((yield* outbox).map((mail) => mail.to), [
        "known@example.com",
        "known@example.com",
        "unknown@example.com"
      ])
    })))

  it.effect("invalid addresses are InvalidEmail and send no mail", () =>
    run(Effect.gen(function*() {
      for (const email of ["", "no-at", "a@b@c", "x\"@y.com"]) {
        const error = yield* Effect.flip(request(email))
        assert.strictEqual(error._tag, "InvalidEmail", JSON.stringify(email))
      }
      assert.strictEqual((yield* outbox).length, 0)
    })))

  it.effect("an address a mail library would read as a list: the Mailer refuses it with MailerError, no mail", () =>
    run(Effect.gen(function*() {
      // normalizeEmail keeps a comma in the local part; nodemailer would send this to mallory@example.com alone.
      const error = yield* Effect.flip(request("ada,mallory@example.com"))
      assert.strictEqual(error._tag, "MailerError")
      assert.strictEqual((yield* outbox).length, 0)
    })))

  it.effect("the signIn callback refusing at request time is AccessDenied and sends no mail", () => {
    const asked: Array<boolean | undefined> = []
    return run(Effect.gen(function*() {
      const error = yield* Effect.flip(request("ada@example.com"))
      assert.strictEqual(expectTag(error, "AccessDenied").reason, "SignInCallback")
      assert.strictEqual((yield* outbox).length, 0)
      assert.deepStrictEqual(asked, [true])
    }), { callbacks: { signIn: ({ email }) => (asked.push(email?.verificationRequest), false) } })
  })

  it.effect("a provider id that is not an e-mail provider is ProviderNotConfigured", () =>
    run(Effect.gen(function*() {
      const error = yield* Effect.flip(requestEmailSignIn({ provider: github, email: "a@b.co", host: "h", link: linkTo }))
      assert.strictEqual(expectTag(error, "ProviderNotConfigured").provider, "github")
    })))
})

describe("e-mail sign-in: following the link", () => {
  it.effect("creates a user with a verified address and starts a session", () =>
    run(Effect.gen(function*() {
      const link = yield* requestLink("ada@example.com")
      yield* TestClock.adjust("5 minutes")
      const done = yield* followLink(link)
      assert.isTrue(done.isNewUser)
      assert.strictEqual(done.user.email, "ada@example.com")
      assert.strictEqual(done.user.emailVerified?.getTime(), start + 5 * 60_000)
      assert.strictEqual(Option.getOrThrow(yield* userByEmail("ada@example.com")).id, done.user.id)
      if (done.session?._tag !== "Jwt") return assert.fail("expected a JWT session")
      assert.strictEqual(done.session.claims.sub, done.user.id)
    })))

  it.effect("works once: a second use is Verification", () =>
    run(Effect.gen(function*() {
      const link = yield* requestLink("ada@example.com")
      yield* followLink(link)
      assert.strictEqual((yield* Effect.flip(followLink(link)))._tag, "Verification")
    })))

  it.effect("works for 24 hours: just before is fine, 24 h + 1 s later is Verification", () =>
    run(Effect.gen(function*() {
      const early = yield* requestLink("early@example.com")
      const late = yield* requestLink("late@example.com")
      yield* TestClock.adjust(day - 1000)
      yield* followLink(early)
      yield* TestClock.adjust(2000)
      assert.strictEqual((yield* Effect.flip(followLink(late)))._tag, "Verification")
      assert.isTrue(Option.isNone(yield* userByEmail("late@example.com")))
    })))

  it.effect("a token sent to a@ used with b@ is Verification, and does not burn a@'s link", () =>
    run(Effect.gen(function*() {
      const link = yield* requestLink("a@example.com")
      const error = yield* Effect.flip(followLink({ token: link.token, email: "b@example.com" }))
      assert.strictEqual(error._tag, "Verification")
      assert.isTrue(Option.isNone(yield* userByEmail("b@example.com")))
      assert.strictEqual((yield* followLink(link)).user.email, "a@example.com")
    })))

  // Pre-account hijacking: a user created by OAuth holding an address it never proved may be anyone's;
  // the address's owner, proving it by the link, gets a user of their own and the address with it.
  it.effect("the owner of an address another user only claimed gets a user of their own", () =>
    run(Effect.gen(function*() {
      const claimant = (yield* oauthSignIn(github, profile("gh-mallory", "ada@example.com", false))).user
      assert.isNull(claimant.emailVerified)
      yield* TestClock.adjust("1 hour")
      const done = yield* followLink(yield* requestLink("ada@example.com"))
      assert.isTrue(done.isNewUser)
      assert.notStrictEqual(done.user.id, claimant.id)
      assert.strictEqual(done.user.emailVerified?.getTime(), start + 3600_000)
      assert.strictEqual(Option.getOrThrow(yield* userByEmail("ada@example.com")).id, done.user.id)
      assert.isNull(Option.getOrThrow(yield* Users.use((s) => s.getUser(claimant.id))).email)
    })))

  it.effect("a rotation of the verification key between request and click keeps the link working", () =>
    run(Effect.gen(function*() {
      const keys = yield* KeyStore
      const before = yield* keys.current("verification")
      const link = yield* requestLink("ada@example.com")
      const after = yield* keys.rotate("verification")
      assert.notStrictEqual(after.kid, before.kid)
      yield* TestClock.adjust("1 hour")
      assert.strictEqual((yield* followLink(link)).user.email, "ada@example.com")
      // A link requested after the rotation works too (hashed under the new key).
      assert.strictEqual((yield* followLink(yield* requestLink("bob@example.com"))).user.email, "bob@example.com")
    })))

  it.effect("once the old verification key is retired, links hashed under it stop working", () =>
    run(Effect.gen(function*() {
      const link = yield* requestLink("ada@example.com")
      yield* KeyStore.use((keys) => keys.rotate("verification", { retireAfterSeconds: 0 }))
      assert.strictEqual((yield* Effect.flip(followLink(link)))._tag, "Verification")
    })))
})
