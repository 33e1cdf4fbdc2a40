/**
 * Beyond Auth.js, over real HTTP: the signed-in user's linked providers (GET /auth/accounts), linking
 * another provider (POST /auth/link/:provider, the scripted IdP, the callback) and unlinking
 * (POST /auth/unlink/:provider), with the refusals that keep an account from being taken over or locked out.
 */
import { afterAll, describe, expect, it } from "vitest"
import type { Browser } from "../../support/browser.ts"
import { profile } from "../../support/memoryHarness.ts"
import { serveAuth, type ServedAuth } from "../../support/nodeAuth.ts"

const sessionCookie = "authjs.session-token"
const adaSession = { user: { name: "Ada", email: "ada@example.com", image: null }, expires: expect.any(String) }
const adaGitHub = profile("gh-ada", "ada@users.github.example", true)

// Every test gets its own authfx (and so its own memory store): the credentials users are fixed, and the
// tests must not depend on each other's links.
const served: Array<ServedAuth> = []
const fresh = async () => {
  const t = await serveAuth()
  served.push(t)
  return t
}
afterAll(async () => {
  await Promise.all(served.map((t) => t.close()))
})

const accountsOf = async (b: Browser) => {
  const response = await b.get("/auth/accounts")
  expect(response.status).toBe(200)
  expect(response.headers.get("cache-control")).toBe("private, no-cache, no-store")
  return (await response.json()) as Array<Record<string, unknown>>
}

const credentialsAccount = { provider: "credentials", type: "credentials", providerAccountId: "app-ada", needsReauth: false }
const githubAccount = (id: string) => ({ provider: "github", type: "oauth", providerAccountId: id, needsReauth: false })

const sortByProvider = (accounts: Array<Record<string, unknown>>) =>
  [...accounts].sort((a, b) => String(a["provider"]).localeCompare(String(b["provider"])))

/** POST /auth/link/:provider, the approval at the IdP, the callback: returns the callback's response. */
const link = async (t: ServedAuth, b: Browser, who = adaGitHub, callbackUrl = "/settings") => {
  const start = await b.post("/auth/link/github", { csrfToken: await b.csrfToken(), callbackUrl })
  expect(start.status).toBe(302)
  const params = await t.approve(start.headers.get("location")!, who)
  return b.get(`/auth/callback/github?${new URLSearchParams(params)}`)
}

describe("GET /auth/accounts", () => {
  it("signed out → 401 JSON", async () => {
    const t = await fresh()
    const response = await t.browser().get("/auth/accounts")
    expect(response.status).toBe(401)
    expect(response.headers.get("content-type")).toMatch(/^application\/json/)
    expect(await response.json()).toEqual({ error: "NotSignedIn", message: "Sign in first." })
  })

  it("signed in → the linked providers, and no token field of any kind", async () => {
    const t = await fresh()
    const b = t.browser()
    await t.credentialsSignIn(b)
    await link(t, b)
    const accounts = await accountsOf(b)
    expect(sortByProvider(accounts)).toStrictEqual([credentialsAccount, githubAccount("gh-ada")])
    for (const account of accounts) {
      expect(Object.keys(account).sort()).toEqual(["needsReauth", "provider", "providerAccountId", "type"])
    }
    expect(JSON.stringify(accounts)).not.toMatch(/at_|rt_|idt_|token/i)
  })
})

describe("POST /auth/link/:provider", () => {
  it("links GitHub to the signed-in user: same user, same session; GitHub then signs in as that user", async () => {
    const t = await fresh()
    const b = t.browser()
    await t.credentialsSignIn(b)
    const cookieBefore = b.cookies.get(sessionCookie)
    const sessionBefore = await t.session(b)

    const start = await b.post("/auth/link/github", { csrfToken: await b.csrfToken(), callbackUrl: "/settings" })
    expect(start.status).toBe(302)
    const authorize = new URL(start.headers.get("location")!)
    expect(authorize.origin).toBe("https://github.idp.test")
    expect(authorize.searchParams.get("redirect_uri")).toBe(`${t.origin}/auth/callback/github`)
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256")

    const params = await t.approve(authorize.href, adaGitHub)
    const back = await b.get(`/auth/callback/github?${new URLSearchParams(params)}`)
    expect(back.status).toBe(302)
    expect(back.headers.get("location")).toBe(`${t.origin}/settings`)
    // The browser keeps its session: no new session cookie, the same JSON.
    expect(back.headers.getSetCookie().filter((h) => h.startsWith(`${sessionCookie}=`))).toEqual([])
    expect(b.cookies.get(sessionCookie)).toBe(cookieBefore)
    expect(await t.session(b)).toStrictEqual(sessionBefore)
    expect(sortByProvider(await accountsOf(b))).toStrictEqual([credentialsAccount, githubAccount("gh-ada")])

    // A fresh browser signing in with that GitHub account is Ada.
    const other = t.browser()
    const signedIn = await t.oauthSignIn(other, "github", adaGitHub, "/home")
    expect(signedIn.status).toBe(302)
    expect(signedIn.headers.get("location")).toBe(`${t.origin}/home`)
    expect(await t.session(other)).toStrictEqual(adaSession)
    expect(sortByProvider(await accountsOf(other))).toStrictEqual([credentialsAccount, githubAccount("gh-ada")])
  })

  it("a GitHub account that belongs to someone else → /auth/signin?error=OAuthAccountNotLinked; nothing changes", async () => {
    const t = await fresh()
    // Bob's GitHub account makes Bob's user.
    const bob = t.browser()
    const bobGitHub = profile("gh-bob", "bob@users.github.example", true)
    expect((await t.oauthSignIn(bob, "github", bobGitHub)).status).toBe(302)
    const bobSession = await t.session(bob)
    expect(bobSession).toMatchObject({ user: { email: "bob@users.github.example" } })

    const ada = t.browser()
    await t.credentialsSignIn(ada)
    const refused = await link(t, ada, bobGitHub)
    expect(refused.status).toBe(302)
    expect(refused.headers.get("location")).toBe(`${t.origin}/auth/signin?error=OAuthAccountNotLinked`)

    // Ada keeps her session and her accounts; Bob's GitHub still signs in as Bob.
    expect(await t.session(ada)).toStrictEqual(adaSession)
    expect(await accountsOf(ada)).toStrictEqual([credentialsAccount])
    expect(await accountsOf(bob)).toStrictEqual([githubAccount("gh-bob")])
    const again = t.browser()
    await t.oauthSignIn(again, "github", bobGitHub)
    expect(await t.session(again)).toMatchObject({ user: { email: "bob@users.github.example" } })
  })

  it("a link flow whose user signed out before the callback → /auth/signin?error=SessionRequired; nothing linked", async () => {
    const t = await fresh()
    const b = t.browser()
    await t.credentialsSignIn(b)
    const start = await b.post("/auth/link/github", { csrfToken: await b.csrfToken() })
    expect(start.status).toBe(302)
    expect((await b.post("/auth/signout", { csrfToken: await b.csrfToken() })).status).toBe(302)

    const params = await t.approve(start.headers.get("location")!, adaGitHub)
    const back = await b.get(`/auth/callback/github?${new URLSearchParams(params)}`)
    expect(back.status).toBe(302)
    expect(back.headers.get("location")).toBe(`${t.origin}/auth/signin?error=SessionRequired`)
    expect(await t.session(b)).toBeNull()

    await t.credentialsSignIn(b)
    expect(await accountsOf(b)).toStrictEqual([credentialsAccount])
  })

  it("needs a valid CSRF token (403 JSON) and a session (401 JSON)", async () => {
    const t = await fresh()
    const b = t.browser()
    const signedOut = await b.post("/auth/link/github", { csrfToken: await b.csrfToken() })
    expect(signedOut.status).toBe(401)
    expect(await signedOut.json()).toEqual({ error: "NotSignedIn", message: "Sign in first." })

    await t.credentialsSignIn(b)
    const forged = await b.post("/auth/link/github", { csrfToken: "f".repeat(64) })
    expect(forged.status).toBe(403)
    expect(await forged.json()).toEqual({ error: "MissingCSRF" })
    const crossSite = await b.post("/auth/link/github", { csrfToken: await b.csrfToken() }, { origin: "https://evil.example" })
    expect(crossSite.status).toBe(403)
  })
})

describe("POST /auth/unlink/:provider", () => {
  it("unlinks GitHub → 200 {unlinked}; the last way in → 409 LastSignInMethod", async () => {
    const t = await fresh()
    const b = t.browser()
    await t.credentialsSignIn(b)
    await link(t, b)

    const unlinked = await b.post("/auth/unlink/github", { csrfToken: await b.csrfToken() })
    expect(unlinked.status).toBe(200)
    expect(await unlinked.json()).toStrictEqual({ unlinked: { provider: "github", providerAccountId: "gh-ada" }, sessionEnded: false })
    expect(await accountsOf(b)).toStrictEqual([credentialsAccount])
    // The GitHub account no longer leads to Ada: signing in with it makes a new user.
    const other = t.browser()
    await t.oauthSignIn(other, "github", adaGitHub)
    expect(await t.session(other)).toMatchObject({ user: { email: "ada@users.github.example" } })

    // Ada's address was never verified (credentials do not vouch for it): the password is her last way in.
    const last = await b.post("/auth/unlink/credentials", { csrfToken: await b.csrfToken() })
    expect(last.status).toBe(409)
    expect(await last.json()).toEqual({ error: "LastSignInMethod", message: "This is the last way to sign in to this account." })
    expect(await accountsOf(b)).toStrictEqual([credentialsAccount])
    expect(await t.session(b)).toStrictEqual(adaSession)
  })

  it("a provider the user has not linked → 404 AccountNotFound", async () => {
    const t = await fresh()
    const b = t.browser()
    await t.credentialsSignIn(b)
    const response = await b.post("/auth/unlink/github", { csrfToken: await b.csrfToken() })
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({ error: "AccountNotFound" })
  })

  it("signed out → 401; without CSRF → 403", async () => {
    const t = await fresh()
    const b = t.browser()
    const signedOut = await b.post("/auth/unlink/github", { csrfToken: await b.csrfToken() })
    expect(signedOut.status).toBe(401)
    expect(await signedOut.json()).toEqual({ error: "NotSignedIn", message: "Sign in first." })
    await t.credentialsSignIn(b)
    await link(t, b)
    const forged = await b.post("/auth/unlink/github", {})
    expect(forged.status).toBe(403)
    expect(sortByProvider(await accountsOf(b))).toStrictEqual([credentialsAccount, githubAccount("gh-ada")])
  })
})
