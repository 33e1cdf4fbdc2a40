/**
 * OpenID Connect sign-in end to end: authfx's REST API on a real port, the openid-client ProviderClient,
 * and a real OpenID Provider (oidc-provider) on 127.0.0.1 whose login and consent pages the test goes
 * through; then the person saying no at the provider (Cancel at login, Deny at consent) and a provider
 * answering with another error.
 */
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Redacted } from "effect"
import type { NodeBrowser } from "../../support/nodeBrowser.ts"
import { type CallbackFailure, oauthCookie, type OidcAuth, serveOidcAuth, sessionCookie } from "../../support/oidcAuth.ts"
import { cookieJar, type CookieJar, type OidcPeer, startOidcPeer } from "../../support/oidcPeer.ts"

const grace = {
  sub: "grace",
  claims: {
    email: "grace@idp.example",
    email_verified: true,
    name: "Grace Hopper",
    picture: "https://img.idp.example/grace.png"
  }
}

let peer: OidcPeer
let t: OidcAuth

beforeAll(async () => {
  peer = await startOidcPeer({ accounts: [grace] })
  t = await serveOidcAuth(peer)
})
afterAll(async () => {
  await t?.close()
  await peer?.stop()
})

/** The callback's answer is the sign-in page with OAuthCallbackError, and `b` has no session. */
const expectRefused = async (b: NodeBrowser, response: Response) => {
  expect(response.status).toBe(302)
  expect(response.headers.get("location")).toBe(`${t.apiUrl}/signin?error=OAuthCallbackError`)
  expect(b.cookies.has(sessionCookie)).toBe(false)
  expect(await t.session(b)).toBeNull()
}

const lastFailure = (): CallbackFailure | undefined => t.callbackFailures.at(-1)

const decodeJwt = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>

describe("OIDC sign-in through the REST API", () => {
  it("POST /auth/signin/idp → the IdP → the callback → a session for the IdP's user, with the tokens stored", async () => {
    const b = t.browser()
    const started = await t.startFlow(b, { callbackUrl: `${t.origin}/dashboard` })
    expect(started.response.status).toBe(302)
    const authorize = new URL(started.location)
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${peer.issuer}/auth`)
    const query = Object.fromEntries(authorize.searchParams)
    expect(query).toMatchObject({
      client_id: t.idps[0]?.clientId,
      redirect_uri: `${t.apiUrl}/callback/idp`,
      response_type: "code",
      scope: "openid profile email",
      code_challenge_method: "S256"
    })
    expect([query["state"], query["nonce"], query["code_challenge"]].every((v) => (v ?? "").length >= 43)).toBe(true)
    expect(b.cookies.has(oauthCookie)).toBe(true)

    const callback = await peer.signIn(started.location, { account: "grace" })
    expect(callback.method).toBe("GET")
    expect(callback.url.startsWith(`${t.apiUrl}/callback/idp?`)).toBe(true)
    expect(callback.params["iss"]).toBe(peer.issuer)
    expect(callback.params["state"]).toBe(query["state"])

    const before = Date.now()
    const back = await b.get(callback.url)
    const after = Date.now()
    expect(back.status).toBe(302)
    expect(back.headers.get("location")).toBe(`${t.origin}/dashboard`)
    expect(b.cookies.has(sessionCookie)).toBe(true)
    // The flow's cookie is spent with its callback.
    expect(b.cookies.has(oauthCookie)).toBe(false)
    expect(await t.session(b)).toStrictEqual({
      user: { name: "Grace Hopper", email: "grace@idp.example", image: "https://img.idp.example/grace.png" },
      expires: expect.any(String)
    })

    const user = await t.userOf("grace")
    expect(user).toMatchObject({ name: "Grace Hopper", email: "grace@idp.example" })
    // The provider is not trusted for e-mail (trustEmail: false), so the address is not taken as verified.
    expect(user?.emailVerified).toBeNull()
    const stored = await t.store((s) => s.listAccounts(user!.id))
    expect(stored).toHaveLength(1)
    const account = stored[0]!
    expect(account).toMatchObject({
      provider: "idp",
      providerAccountId: "grace",
      userId: user?.id,
      type: "oidc",
      tokenType: "bearer",
      scope: "openid profile email",
      needsReauth: false
    })
    const accessToken = Redacted.value(account.accessToken!)
    const refreshToken = Redacted.value(account.refreshToken!)
    expect(peer.isTokenActive(accessToken)).toBe(true)
    expect(peer.isTokenActive(refreshToken)).toBe(true)
    const idToken = decodeJwt(Redacted.value(account.idToken!))
    expect(idToken).toMatchObject({ iss: peer.issuer, sub: "grace", aud: t.idps[0]?.clientId, nonce: query["nonce"] })
    // expires_in 3600 s (whole seconds), counted from the token response, which came between these two.
    const expiresAt = account.expiresAt?.getTime() ?? 0
    expect(expiresAt).toBeGreaterThan(before + 3_599_000)
    expect(expiresAt).toBeLessThanOrEqual(after + 3_600_000)

    const listed = await t.accounts(b)
    expect(listed).toStrictEqual({
      status: 200,
      body: [{ provider: "idp", type: "oidc", providerAccountId: "grace", needsReauth: false }]
    })

    // Signing in again is the same user, with the new sign-in's tokens.
    const again = t.browser()
    expect((await t.idpSignIn(again, "grace")).location).toBe(`${t.origin}/`)
    expect((await t.userOf("grace"))?.id).toBe(user?.id)
    const refreshed = await t.account("grace")
    expect(Redacted.value(refreshed!.accessToken!)).not.toBe(accessToken)
  })
})


/** Follows the authorization URL in an IdP browser that is signed in already, and presses Deny on the consent page. */
const denyAtConsent = async (authorizationUrl: string, jar: CookieJar): Promise<{ url: string; pages: Array<string> }> => {
  const pages: Array<string> = []
  let url = new URL(authorizationUrl)
  let method: "GET" | "POST" = "GET"
  for (let step = 0; step < 12; step++) {
    const response = await fetch(url, { method, headers: { cookie: jar.header(url) }, redirect: "manual" })
    jar.store(url, response)
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel()
      const next = new URL(response.headers.get("location") ?? "", url)
      if (next.origin !== peer.issuer) return { url: next.href, pages }
      url = next
      method = "GET"
      continue
    }
    const html = await response.text()
    pages.push(/data-prompt="([a-z]+)"/.exec(html)?.[1] ?? `HTTP ${response.status}`)
    const deny = /<form method="post" action="(\/interaction\/[^"/]+\/abort)"><button type="submit">Deny<\/button>/.exec(html)
    if (deny?.[1] === undefined) throw new Error(`no Deny button on ${url.pathname}`)
    url = new URL(deny[1], peer.issuer)
    method = "POST"
  }
  throw new Error("the IdP redirected too often")
}

describe("the person says no at the provider", () => {
  it("Cancel on the login page → /auth/error?error=AccessDenied, no session", async () => {
    const b = t.browser()
    const { callback, response, location } = await t.idpSignIn(b, "grace", { decision: "deny" })
    expect(callback.params["error"]).toBe("access_denied")
    expect(response.status).toBe(302)
    expect(location).toBe(`${t.apiUrl}/error?error=AccessDenied`)
    expect(b.cookies.has(sessionCookie)).toBe(false)
    const page = await b.follow(response)
    expect(page.status).toBe(403)
    expect(await page.text()).toContain("Access denied")
    expect(lastFailure()).toMatchObject({ provider: "idp", tag: "ProviderDenied", check: null })
  })

  it("signed in at the IdP already, Deny on the consent page → /auth/error?error=AccessDenied", async () => {
    // The person signs in at the IdP for another application first, so authfx's flow only asks for consent.
    const jar = cookieJar()
    const warmupRedirect = "http://127.0.0.1:9/callback"
    const warmup = `warmup-${randomBytes(4).toString("hex")}`
    peer.addClient({ clientId: warmup, clientSecret: "warmup-secret-0123456789-0123456789", auth: "client_secret_basic", redirectUris: [warmupRedirect] })
    const other = new URL(`${peer.issuer}/auth`)
    for (const [name, value] of Object.entries({ client_id: warmup, redirect_uri: warmupRedirect, response_type: "code", scope: "openid", state: "s", nonce: "n" })) {
      other.searchParams.set(name, value)
    }
    expect((await peer.signIn(other.href, { account: "grace", jar })).params["code"]).toBeDefined()

    const b = t.browser()
    const started = await t.startFlow(b)
    const denied = await denyAtConsent(started.location, jar)
    expect(denied.pages).toEqual(["consent"])
    expect(new URL(denied.url).searchParams.get("error")).toBe("access_denied")
    const response = await b.get(denied.url)
    expect(response.status).toBe(302)
    expect(response.headers.get("location")).toBe(`${t.apiUrl}/error?error=AccessDenied`)
    expect(await t.session(b)).toBeNull()
  })

  it("another error from the provider (prompt=none, not signed in there: login_required) → OAuthCallbackError", async () => {
    const b = t.browser()
    const started = await t.startFlow(b, { query: "?prompt=none" })
    expect(new URL(started.location).searchParams.get("prompt")).toBe("none")
    const callback = await peer.signIn(started.location, { account: "grace" })
    expect(callback.params["error"]).toBe("login_required")
    await expectRefused(b, await b.get(callback.url))
    expect(lastFailure()).toMatchObject({ provider: "idp", tag: "ProviderDenied", check: null })
  })
})


it("no request above was answered with a 5xx, and the provider never failed on its side", () => {
  const exchanges = t.exchanges()
  expect(exchanges.length).toBeGreaterThan(15)
  expect(exchanges.filter((exchange) => exchange.status >= 500)).toEqual([])
  expect(peer.serverErrors).toEqual([])
})
