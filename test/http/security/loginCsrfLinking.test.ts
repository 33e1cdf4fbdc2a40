/**
 * Login CSRF turned into account takeover (issue 10, item 1). The attacker gets the victim's browser
 * signed in as the attacker — his own magic link opened there needs no CSRF token — and waits for the
 * victim to sign in with her own credentials or provider for the first time. Had that sign-in linked her
 * identity to whoever the browser was signed in as, every later sign-in of hers, on any device, would land
 * in the attacker's user. A sign-in must decide as if signed out and replace the browser's session.
 */
import { Effect, Option } from "effect"
import { describe, expect, it } from "vitest"
import type { UserId } from "../../../src/domain/User.ts"
import { Users } from "../../../src/ports/Users.ts"
import type { Browser } from "../../support/browser.ts"
import { startAuth } from "../../support/httpHarness.ts"
import { profile } from "../../support/memoryHarness.ts"

type Harness = Awaited<ReturnType<typeof startAuth>>

const store = <A>(t: Harness, f: (store: Users["Service"]) => Effect.Effect<A, unknown>) =>
  t.auth.runtime.runPromise(Users.use(f) as Effect.Effect<A>)

const userIdByEmail = async (t: Harness, email: string): Promise<UserId> =>
  Option.getOrThrow(await store(t, (s) => s.getUserByEmail(email as never))).id

const accountsOf = async (t: Harness, userId: UserId) =>
  (await store(t, (s) => s.listAccounts(userId))).map((a) => `${a.provider}/${a.providerAccountId}`).sort()

/** The attacker asks for a magic link to his own address; the victim's browser opens it. */
const plantAttackerSession = async (t: Harness, victim: Browser) => {
  const attacker = t.browser()
  await attacker.post("/auth/signin/email", { csrfToken: await attacker.csrfToken(), email: "mallory@evil.example" })
  const signedIn = await victim.get(await t.mailedLink("mallory@evil.example"))
  expect(signedIn.status).toBe(302)
  expect(await t.session(victim)).toMatchObject({ user: { email: "mallory@evil.example" } })
  return userIdByEmail(t, "mallory@evil.example")
}

describe("a sign-in in a browser signed in as someone else never links to them", () => {
  it("credentials: the victim's password account does not join the attacker's user", async () => {
    const t = await startAuth()
    const victim = t.browser()
    const mallory = await plantAttackerSession(t, victim)

    const signedIn = await t.credentialsSignIn(victim)
    expect(signedIn.status).toBe(302)

    // She is herself now, and the attacker's user holds nothing of hers.
    expect(await t.session(victim)).toMatchObject({ user: { email: "ada@example.com", name: "Ada" } })
    expect(await accountsOf(t, mallory)).toEqual([])
    const owner = Option.getOrThrow(await store(t, (s) => s.getUserByAccount({ provider: "credentials" as never, providerAccountId: "app-ada" })))
    expect(owner.id).not.toBe(mallory)
    // And on any other device her password still opens her own user, not his.
    const laptop = t.browser()
    await t.credentialsSignIn(laptop)
    expect(await t.session(laptop)).toMatchObject({ user: { email: "ada@example.com" } })
    await t.auth.dispose()
  })

  it("OAuth: the victim's first GitHub sign-in makes her own user, not a link into the attacker's", async () => {
    const t = await startAuth()
    const victim = t.browser()
    const mallory = await plantAttackerSession(t, victim)

    const adaGitHub = profile("gh-ada", "ada@users.github.example", true)
    const back = await t.oauthSignIn(victim, "github", adaGitHub)
    expect(back.status).toBe(302)
    expect(back.headers.get("location")).toBe(`${t.origin}/`)

    expect(await t.session(victim)).toMatchObject({ user: { email: "ada@users.github.example" } })
    expect(await accountsOf(t, mallory)).toEqual([])
    const owner = Option.getOrThrow(await store(t, (s) => s.getUserByAccount({ provider: "github" as never, providerAccountId: "gh-ada" })))
    expect(owner.id).not.toBe(mallory)
    await t.auth.dispose()
  })

  it("the attacker's session in that browser ends: his copy of the cookie no longer opens the victim's sign-in", async () => {
    const t = await startAuth({ session: { strategy: "database" } })
    const victim = t.browser()
    await plantAttackerSession(t, victim)
    const planted = new Map(victim.cookies)

    await t.credentialsSignIn(victim)
    expect(await t.session(victim)).toMatchObject({ user: { email: "ada@example.com" } })
    // The replaced session is over, so nothing the attacker kept of it works.
    const replay = t.browser()
    for (const [name, value] of planted) replay.cookies.set(name, value)
    expect(await t.session(replay)).toBeNull()
    await t.auth.dispose()
  })

  it("a signed-in user who signs in with another provider gets that provider's user, and links only through POST /link", async () => {
    const t = await startAuth()
    const b = t.browser()
    await t.credentialsSignIn(b)
    const ada = await userIdByEmail(t, "ada@example.com")

    await t.oauthSignIn(b, "github", profile("gh-ada", "ada@users.github.example", true))
    expect(await t.session(b)).toMatchObject({ user: { email: "ada@users.github.example" } })
    expect(await accountsOf(t, ada)).toEqual(["credentials/app-ada"])
    await t.auth.dispose()
  })
})
