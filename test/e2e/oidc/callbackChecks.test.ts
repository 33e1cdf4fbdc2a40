/**
 * Every OIDC callback that is not the one this browser started, through authfx's REST API against a real
 * OpenID Provider (oidc-provider on 127.0.0.1): missing or wrong state, a wrong or missing issuer, a flow of
 * another provider, a replay, a code from another flow (state, then PKCE), and — with PKCE turned off — a
 * nonce that does not match. Each ends on /auth/signin?error=OAuthCallbackError without a session; the
 * ProviderClient is observed to say which check refused it.
 */
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Redacted } from "effect"
import { type CallbackFailure, oauthCookie, type OidcAuth, serveOidcAuth, sessionCookie } from "../../support/oidcAuth.ts"
import { type OidcPeer, type PeerCallback, startOidcPeer } from "../../support/oidcPeer.ts"
import type { NodeBrowser } from "../../support/nodeBrowser.ts"

const grace = { sub: "grace", claims: { email: "grace@idp.example", email_verified: true, name: "Grace Hopper" } }
const mallory = { sub: "mallory", claims: { email: "mallory@idp.example", email_verified: true, name: "Mallory" } }

let peer: OidcPeer
let t: OidcAuth

beforeAll(async () => {
  peer = await startOidcPeer({ accounts: [grace, mallory] })
  t = await serveOidcAuth(peer, {
    idps: [
      { id: "idp" },
      // Deliberately weakened clients, for the nonce check alone and for a control without it.
      { id: "idp-nopkce", checks: ["state", "nonce"] },
      { id: "idp-stateonly", checks: ["state"] }
    ]
  })
})
afterAll(async () => {
  await t?.close()
  await peer?.stop()
})

const signInError = () => `${t.apiUrl}/signin?error=OAuthCallbackError`

/** The callback URL the provider sent the browser to, with some of its parameters changed. */
const altered = (callback: PeerCallback, change: (params: URLSearchParams) => void) => {
  const url = new URL(callback.url)
  change(url.searchParams)
  return url.href
}

/** A flow started in `b` and completed at the provider by `account`; the callback not yet followed. */
const flowAtProvider = async (b: NodeBrowser, account: string, provider = "idp") => {
  const started = await t.startFlow(b, { provider })
  expect(started.response.status).toBe(302)
  const callback = await peer.signIn(started.location, { account })
  return { ...started, callback }
}

/** The callback's answer is the sign-in page with OAuthCallbackError, and `b` has no session. */
const expectRefused = async (b: NodeBrowser, response: Response) => {
  expect(response.status).toBe(302)
  expect(response.headers.get("location")).toBe(signInError())
  expect(response.headers.getSetCookie().some((line) => line.startsWith(`${sessionCookie}=`))).toBe(false)
  expect(b.cookies.has(sessionCookie)).toBe(false)
  expect(await t.session(b)).toBeNull()
}

const lastFailure = (): CallbackFailure | undefined => t.callbackFailures.at(-1)

describe("a callback that is not this browser's flow → /auth/signin?error=OAuthCallbackError, no session", () => {
  it("without state, or with a wrong one: refused before the code reaches the provider", async () => {
    for (const change of [(p: URLSearchParams) => p.delete("state"), (p: URLSearchParams) => p.set("state", randomBytes(32).toString("base64url"))]) {
      const b = t.browser()
      const flow = await flowAtProvider(b, "grace")
      const exchanges = peer.grants("authorization_code")
      await expectRefused(b, await b.get(altered(flow.callback, change)))
      expect(lastFailure()).toMatchObject({ provider: "idp", tag: "ProviderCheckFailed", check: "state" })
      expect(peer.grants("authorization_code")).toEqual(exchanges)
    }
  })

  it("RFC 9207: an iss that is not the provider's, or none from a provider that sends it, is refused (mix-up)", async () => {
    for (const change of [(p: URLSearchParams) => p.set("iss", "http://127.0.0.1:1"), (p: URLSearchParams) => p.delete("iss")]) {
      const b = t.browser()
      const flow = await flowAtProvider(b, "grace")
      await expectRefused(b, await b.get(altered(flow.callback, change)))
      expect(lastFailure()).toMatchObject({ provider: "idp", tag: "ProviderCheckFailed", check: "issuer" })
    }
  })

  it("a flow of one provider answered at another provider's callback is refused before any provider is asked", async () => {
    const b = t.browser()
    const flow = await flowAtProvider(b, "grace")
    const failures = t.callbackFailures.length
    const elsewhere = flow.callback.url.replace("/auth/callback/idp?", "/auth/callback/idp-nopkce?")
    await expectRefused(b, await b.get(elsewhere))
    expect(t.callbackFailures.length).toBe(failures)
  })

  it("a replayed callback: refused without the flow's cookie; with a copy of it the provider refuses the used code and revokes its tokens", async () => {
    const b = t.browser()
    const flow = await flowAtProvider(b, "grace")
    const sealedFlow = b.cookies.get(oauthCookie)
    expect(sealedFlow).toBeDefined()

    const first = await b.get(flow.callback.url)
    expect(first.headers.get("location")).toBe(`${t.origin}/`)
    const tokens = await t.account("grace")
    const accessToken = Redacted.value(tokens!.accessToken!)
    const refreshToken = Redacted.value(tokens!.refreshToken!)
    expect(peer.isTokenActive(accessToken)).toBe(true)

    // The same URL again in the same browser: the flow's cookie went with the first callback.
    const failuresBefore = t.callbackFailures.length
    const second = await b.get(flow.callback.url)
    expect(second.status).toBe(302)
    expect(second.headers.get("location")).toBe(signInError())
    // Refused by the HTTP layer (no flow), before the ProviderClient is asked.
    expect(t.callbackFailures.length).toBe(failuresBefore)

    // Someone who copied the URL and the flow's cookie: the code goes to the provider a second time.
    const copier = t.browser()
    copier.cookies.set(oauthCookie, sealedFlow ?? "")
    const exchanges = peer.grants("authorization_code")
    await expectRefused(copier, await copier.get(flow.callback.url))
    expect(lastFailure()).toMatchObject({ provider: "idp", tag: "ProviderCheckFailed", check: "code" })
    expect(peer.grants("authorization_code")).toEqual({ success: exchanges.success, error: exchanges.error + 1 })
    // RFC 6749 §4.1.2: the provider revokes what the first exchange of a replayed code issued.
    expect(peer.isTokenActive(accessToken)).toBe(false)
    expect(peer.isTokenActive(refreshToken)).toBe(false)
  })

  it("a code from another flow: with that flow's state it fails the state check; with this flow's state, PKCE", async () => {
    // Flow A is the attacker's, finished at the provider; flow B is the victim's, waiting for its callback.
    const attacker = t.browser()
    const a = await flowAtProvider(attacker, "mallory")
    const target = t.browser()
    const b = await t.startFlow(target)
    const stateB = new URL(b.location).searchParams.get("state") ?? ""

    await expectRefused(target, await target.get(a.callback.url))
    expect(lastFailure()).toMatchObject({ provider: "idp", tag: "ProviderCheckFailed", check: "state" })

    // The flow cookie of B is spent by the refused callback: start B again.
    const b2 = await t.startFlow(target)
    const stateB2 = new URL(b2.location).searchParams.get("state") ?? ""
    expect(stateB2).not.toBe(stateB)
    const exchanges = peer.grants("authorization_code")
    await expectRefused(target, await target.get(altered(a.callback, (p) => p.set("state", stateB2))))
    // The provider refused the code: B's PKCE verifier does not match A's challenge.
    expect(lastFailure()).toMatchObject({ provider: "idp", tag: "ProviderCheckFailed", check: "pkce" })
    expect(peer.grants("authorization_code")).toEqual({ success: exchanges.success, error: exchanges.error + 1 })
  })

  it("nonce: with PKCE off, an injected code is exchanged but its ID token's nonce is not this flow's", async () => {
    const attacker = t.browser()
    const a = await flowAtProvider(attacker, "mallory", "idp-nopkce")
    const target = t.browser()
    const b = await t.startFlow(target, { provider: "idp-nopkce" })
    const stateB = new URL(b.location).searchParams.get("state") ?? ""
    const exchanges = peer.grants("authorization_code")
    await expectRefused(target, await target.get(altered(a.callback, (p) => p.set("state", stateB))))
    expect(lastFailure()).toMatchObject({ provider: "idp-nopkce", tag: "ProviderCheckFailed", check: "nonce" })
    // The code was good at the provider: it was the nonce that stopped it.
    expect(peer.grants("authorization_code").success).toBe(exchanges.success + 1)
    expect(await t.userOf("mallory", "idp-nopkce")).toBeUndefined()
  })

  it("control: with PKCE and nonce both turned off, the same injection succeeds (so the tests above test the checks)", async () => {
    const attacker = t.browser()
    const a = await flowAtProvider(attacker, "mallory", "idp-stateonly")
    const target = t.browser()
    const b = await t.startFlow(target, { provider: "idp-stateonly" })
    const stateB = new URL(b.location).searchParams.get("state") ?? ""
    const response = await target.get(altered(a.callback, (p) => p.set("state", stateB)))
    expect(response.headers.get("location")).toBe(`${t.origin}/`)
    expect(await t.session(target)).toMatchObject({ user: { email: "mallory@idp.example" } })
  })
})


it("no request above was answered with a 5xx, and the provider never failed on its side", () => {
  const exchanges = t.exchanges()
  expect(exchanges.length).toBeGreaterThan(30)
  expect(exchanges.filter((exchange) => exchange.status >= 500)).toEqual([])
  expect(peer.serverErrors).toEqual([])
})
