/**
 * Property (issue 10, item 1): for any state, a sign-in without link intent never adds an account to the
 * user the browser was signed in as before it — beyond what the same sign-in would do signed out. Random
 * sequences over three browsers: credentials and OAuth sign-ins, magic links requested in one browser and
 * opened in another (login CSRF), cookies copied from one browser into another (a planted session),
 * explicit link flows and sign-outs. The only way a sign-in may give the previously signed-in user an
 * account is the signed-out rule itself: a trusted provider proving that user's verified address.
 */
import { Effect, Option } from "effect"
import * as fc from "fast-check"
import { expect, it } from "vitest"
import { normalizeEmail } from "../../../src/domain/normalizeEmail.ts"
import type { User, UserId } from "../../../src/domain/User.ts"
import { Users } from "../../../src/ports/Users.ts"
import type { Browser } from "../../support/browser.ts"
import { startAuth } from "../../support/httpHarness.ts"
import { profile } from "../../support/memoryHarness.ts"

const emails = ["e0@x.test", "e1@x.test", null] as const
const accountIds = ["a0", "a1", "a2"] as const
const browserIndex = fc.nat(2)

type Op =
  | { readonly kind: "credentials"; readonly b: number; readonly who: "ada" | "bob" }
  | {
    readonly kind: "oauth" | "link"
    readonly b: number
    readonly provider: "github" | "google"
    readonly accountId: string
    readonly email: string | null
    readonly verified: boolean
  }
  | { readonly kind: "magicLink"; readonly b: number; readonly requester: number; readonly email: string }
  | { readonly kind: "plant"; readonly b: number; readonly from: number }
  | { readonly kind: "signOut"; readonly b: number }

const providerOp = (kind: "oauth" | "link") =>
  fc.record({
    kind: fc.constant(kind),
    b: browserIndex,
    provider: fc.constantFrom("github" as const, "google" as const),
    accountId: fc.constantFrom(...accountIds),
    email: fc.constantFrom(...emails),
    verified: fc.boolean()
  })

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: providerOp("oauth") },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("credentials" as const), b: browserIndex, who: fc.constantFrom("ada" as const, "bob" as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("magicLink" as const),
      b: browserIndex,
      requester: browserIndex,
      email: fc.constantFrom("e0@x.test", "e1@x.test", "mallory@evil.example")
    })
  },
  { weight: 1, arbitrary: providerOp("link") },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("plant" as const), b: browserIndex, from: browserIndex }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("signOut" as const), b: browserIndex }) }
)

const runWorld = async (ops: ReadonlyArray<Op>) => {
  // The session callback shows the user id, so the test knows who each browser is.
  const t = await startAuth({
    callbacks: { session: ({ session, token, user }) => ({ ...session, uid: user?.id ?? token?.sub ?? null }) }
  })
  const read = <A>(f: (store: Users["Service"]) => Effect.Effect<A, unknown>) =>
    t.auth.runtime.runPromise(Users.use(f) as Effect.Effect<A>)
  const browsers: ReadonlyArray<Browser> = [t.browser(), t.browser(), t.browser()]
  const whoIs = async (b: Browser): Promise<UserId | null> => {
    const session = (await t.session(b)) as { readonly uid?: UserId } | null
    return session?.uid ?? null
  }
  const accountsOf = async (id: UserId) =>
    new Set((await read((s) => s.listAccounts(id))).map((a) => `${a.provider}/${a.providerAccountId}`))
  try {
    for (const step of ops) {
      const b = browsers[step.b]!
      if (step.kind === "plant") {
        b.cookies.clear()
        for (const [name, value] of browsers[step.from]!.cookies) b.cookies.set(name, value)
        continue
      }
      if (step.kind === "signOut") {
        await b.post("/auth/signout", { csrfToken: await b.csrfToken() })
        continue
      }
      if (step.kind === "link") {
        const start = await b.post(`/auth/link/${step.provider}`, { csrfToken: await b.csrfToken() })
        if (start.status === 302) {
          const params = await t.approve(start.headers.get("location")!, profile(step.accountId, step.email, step.verified))
          await b.get(`/auth/callback/${step.provider}?${new URLSearchParams(params)}`)
        }
        continue
      }

      const before = await whoIs(b)
      const userBefore: Option.Option<User> = before === null ? Option.none() : await read((s) => s.getUser(before))
      const accountsBefore = before === null ? new Set<string>() : await accountsOf(before)
      let account: string | null = null
      if (step.kind === "credentials") {
        account = `credentials/${step.who === "ada" ? "app-ada" : "app-bob"}`
        await t.credentialsSignIn(b, step.who, step.who === "ada" ? "correct horse" : "battery staple")
      } else if (step.kind === "oauth") {
        account = `${step.provider}/${step.accountId}`
        await t.oauthSignIn(b, step.provider, profile(step.accountId, step.email, step.verified))
      } else if (step.kind === "magicLink") {
        const requester = browsers[step.requester]!
        await requester.post("/auth/signin/email", { csrfToken: await requester.csrfToken(), email: step.email })
        await b.get(await t.mailedLink(step.email))
      }
      if (before === null || Option.isNone(userBefore)) continue

      const added = [...(await accountsOf(before))].filter((key) => !accountsBefore.has(key))
      // What a signed-out browser would also have done: a trusted provider (google) proving the address that
      // this user holds and has proved.
      const signedOutRule = step.kind === "oauth" && step.provider === "google" && step.verified &&
        step.email !== null && Option.getOrNull(normalizeEmail(step.email)) === userBefore.value.email &&
        userBefore.value.emailVerified !== null
      expect(added.every((key) => key === account && signedOutRule), JSON.stringify({ step, added })).toBe(true)
    }
  } finally {
    await t.auth.dispose()
  }
}

it("a sign-in without link intent never adds an account to the user signed in before it", async () => {
  await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), runWorld), { numRuns: 60 })
}, 120_000)
