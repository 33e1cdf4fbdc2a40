/**
 * A link flow belongs to the session that started it (issue 10, item 2). The attacker starts a link flow
 * in his own browser, keeps his code, state and sealed flow cookie, plants the cookie in the victim's
 * browser (a sibling subdomain can set a `__Secure-` cookie, not a `__Host-` one) and sends her to the
 * callback URL. Had the callback linked to whoever is signed in there, his provider account would now open
 * her user.
 */
import { Option } from "effect"
import { describe, expect, it } from "vitest"
import type { UserId } from "../../../src/domain/User.ts"
import { Users } from "../../../src/ports/Users.ts"
import type { Browser } from "../../support/browser.ts"
import { startAuth } from "../../support/httpHarness.ts"
import { profile } from "../../support/memoryHarness.ts"

type Harness = Awaited<ReturnType<typeof startAuth>>

const oauthCookie = "authjs.oauth-checks"
const malloryGitHub = profile("gh-mallory", "mallory@users.github.example", true)

const accountsOf = async (t: Harness, email: string) => {
  const found = await t.auth.runtime.runPromise(Users.use((s) => s.getUserByEmail(email as never)))
  const id: UserId = Option.getOrThrow(found).id
  const accounts = await t.auth.runtime.runPromise(Users.use((s) => s.listAccounts(id)))
  return accounts.map((a) => `${a.provider}/${a.providerAccountId}`).sort()
}

/** The attacker, signed in as Bob, starts linking his GitHub account and stops before the callback. */
const attackerFlow = async (t: Harness) => {
  const attacker = t.browser()
  await t.credentialsSignIn(attacker, "bob", "battery staple")
  const start = await attacker.post("/auth/link/github", { csrfToken: await attacker.csrfToken() })
  expect(start.status).toBe(302)
  const params = await t.approve(start.headers.get("location")!, malloryGitHub)
  return { cookie: attacker.cookies.get(oauthCookie)!, query: new URLSearchParams(params).toString() }
}

const plant = (b: Browser, cookie: string) => b.cookies.set(oauthCookie, cookie)

describe("a link flow finishes only in the session that started it", () => {
  it("a flow planted in the victim's signed-in browser is refused, and links nothing to her", async () => {
    const t = await startAuth()
    const victim = t.browser()
    await t.credentialsSignIn(victim)
    const flow = await attackerFlow(t)

    plant(victim, flow.cookie)
    const back = await victim.get(`/auth/callback/github?${flow.query}`)
    expect(back.status).toBe(302)
    expect(back.headers.get("location")).toBe(`${t.origin}/auth/signin?error=OAuthCallbackError`)
    expect(victim.cookies.has(oauthCookie)).toBe(false)

    // She is still herself, with only her own account; the attacker's GitHub does not open her user.
    expect(await t.session(victim)).toMatchObject({ user: { email: "ada@example.com" } })
    expect(await accountsOf(t, "ada@example.com")).toEqual(["credentials/app-ada"])
    const attackerAgain = t.browser()
    await t.oauthSignIn(attackerAgain, "github", malloryGitHub)
    expect(await t.session(attackerAgain)).toMatchObject({ user: { email: "mallory@users.github.example" } })
    await t.auth.dispose()
  })

  it("the same user in another session cannot finish it either (a new sign-in is a new session)", async () => {
    const t = await startAuth()
    const b = t.browser()
    await t.credentialsSignIn(b)
    const start = await b.post("/auth/link/github", { csrfToken: await b.csrfToken() })
    const params = await t.approve(start.headers.get("location")!, profile("gh-ada", "ada@users.github.example", true))
    const flowCookie = b.cookies.get(oauthCookie)!

    await b.post("/auth/signout", { csrfToken: await b.csrfToken() })
    await t.credentialsSignIn(b)
    plant(b, flowCookie)
    const back = await b.get(`/auth/callback/github?${new URLSearchParams(params)}`)
    expect(back.headers.get("location")).toBe(`${t.origin}/auth/signin?error=OAuthCallbackError`)
    expect(await accountsOf(t, "ada@example.com")).toEqual(["credentials/app-ada"])
    await t.auth.dispose()
  })

  it("in the session that started it, the flow links as before", async () => {
    for (const strategy of ["jwt", "database"] as const) {
      const t = await startAuth({ session: { strategy } })
      const b = t.browser()
      await t.credentialsSignIn(b)
      const start = await b.post("/auth/link/github", { csrfToken: await b.csrfToken() })
      const params = await t.approve(start.headers.get("location")!, profile("gh-ada", "ada@users.github.example", true))
      const back = await b.get(`/auth/callback/github?${new URLSearchParams(params)}`)
      expect(back.headers.get("location")).toBe(`${t.origin}/`)
      expect(await accountsOf(t, "ada@example.com")).toEqual(["credentials/app-ada", "github/gh-ada"])
      await t.auth.dispose()
    }
  })
})

describe("the flow cookie cannot be planted from a sibling subdomain on https", () => {
  it("is __Host- (Secure, Path=/, no Domain) even when the session cookie is shared across subdomains", async () => {
    const t = await startAuth({ http: { url: "https://app.example.com/auth", cookies: { domain: ".example.com" } } })
    const b = t.browser()
    const start = await b.post("/auth/signin/github", { csrfToken: await b.csrfToken() })
    expect(start.status).toBe(302)
    const set = start.headers.getSetCookie().find((h) => h.includes("oauth-checks="))!
    expect(set).toMatch(/^__Host-authjs\.oauth-checks=/)
    expect(set).toMatch(/; Path=\/(;|$)/)
    expect(set).toMatch(/; Secure/)
    expect(set).not.toMatch(/Domain=/i)

    // The callback reads it back under that name.
    const params = await t.approve(start.headers.get("location")!, profile("gh-x", "x@users.github.example", true))
    const back = await b.get(`/auth/callback/github?${new URLSearchParams(params)}`)
    expect(back.headers.get("location")).toBe("https://app.example.com/")
    await t.auth.dispose()
  })
})

describe("the CSRF token of a signed-in browser is its own", () => {
  it("a pair minted in another browser cannot sign the victim out, unlink or update her session", async () => {
    const t = await startAuth()
    const victim = t.browser()
    await t.credentialsSignIn(victim)
    // The attacker's own valid pair, planted: the Origin is ours (a same-site form on plain http).
    const attacker = t.browser()
    const token = await attacker.csrfToken()
    const planted = attacker.cookies.get("authjs.csrf-token")!
    victim.cookies.set("authjs.csrf-token", planted)

    expect((await victim.post("/auth/signout", { csrfToken: token })).headers.get("location")).toBe(
      `${t.origin}/auth/signin?error=MissingCSRF`
    )
    expect((await victim.post("/auth/unlink/credentials", { csrfToken: token })).status).toBe(403)
    expect((await victim.postJson("/auth/session", { csrfToken: token, data: {} })).status).toBe(400)
    expect(await t.session(victim)).toMatchObject({ user: { email: "ada@example.com" } })

    // Her own token, fetched in her session, works.
    const own = await victim.csrfToken()
    expect(own).not.toBe(token)
    const out = await victim.post("/auth/signout", { csrfToken: own })
    expect(out.headers.get("location")).toBe(`${t.origin}/`)
    expect(await t.session(victim)).toBeNull()
    await t.auth.dispose()
  })

  it("a token fetched before signing in does not act on the session that sign-in made", async () => {
    const t = await startAuth()
    const b = t.browser()
    const before = await b.csrfToken()
    await t.credentialsSignIn(b)
    const out = await b.post("/auth/signout", { csrfToken: before })
    expect(out.headers.get("location")).toBe(`${t.origin}/auth/signin?error=MissingCSRF`)
    expect(await t.session(b)).toMatchObject({ user: { email: "ada@example.com" } })
    await t.auth.dispose()
  })
})
