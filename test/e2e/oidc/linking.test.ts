/**
 * Account linking with a real OpenID Provider: a user who signed in with a magic link (read from a real
 * SMTP server) links their IdP account, whatever address the IdP has for them; and an IdP account whose
 * address belongs to someone else is refused unless a provider trusted for e-mail vouches for it.
 */
import { Option, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { normalizeEmail } from "../../../src/domain/normalizeEmail.ts"
import type { User } from "../../../src/domain/User.ts"
import { type OidcAuth, serveOidcAuth, sessionCookie } from "../../support/oidcAuth.ts"
import { type OidcPeer, startOidcPeer } from "../../support/oidcPeer.ts"

let peer: OidcPeer
let t: OidcAuth

beforeAll(async () => {
  peer = await startOidcPeer({
    accounts: [
      // Claimed victim@example.com at a provider that does not verify addresses.
      { sub: "mallory-lax", claims: { email: "victim@example.com", email_verified: false, name: "Mallory" } },
      { sub: "hal-at-idp", claims: { email: "hal.h@idp.example", email_verified: true, name: "Hal" } },
      { sub: "ivy-at-idp", claims: { email: "ivy@idp.example", email_verified: true, name: "Ivy" } },
      { sub: "erin-at-work", claims: { email: "erin.w@corp.idp.example", email_verified: true, name: "Erin W." } },
      // Same address as the e-mail user frank@example.com, one vouched for by the IdP and one not.
      { sub: "frank-verified", claims: { email: "frank@example.com", email_verified: true, name: "Frank V." } },
      { sub: "frank-unverified", claims: { email: "Frank@Example.com", email_verified: false, name: "Frank U." } }
    ]
  })
  t = await serveOidcAuth(peer, { idps: [{ id: "idp", trustEmail: false }, { id: "idp-trusted", trustEmail: true }] })
})
afterAll(async () => {
  await t?.close()
  await peer?.stop()
})

const userByEmail = async (email: string): Promise<User | undefined> =>
  Option.getOrUndefined(await t.store((s) => s.getUserByEmail(Option.getOrThrow(normalizeEmail(email)))))

const listed = (provider: string, providerAccountId: string, type = "oidc") => ({
  provider,
  type,
  providerAccountId,
  needsReauth: false
})

describe("linking the IdP to a user signed in by e-mail", () => {
  it("POST /auth/link/idp links the IdP account (another address) to the same user; the session is unchanged", async () => {
    const b = t.browser()
    const signedIn = await t.emailSignIn(b, "erin@example.com")
    expect(signedIn.headers.get("location")).toBe(`${t.origin}/`)
    const erin = await userByEmail("erin@example.com")
    expect(erin).toBeDefined()
    const cookieBefore = b.cookies.get(sessionCookie)
    const sessionBefore = await t.session(b)
    expect(sessionBefore).toStrictEqual({ user: { name: null, email: "erin@example.com", image: null }, expires: expect.any(String) })
    const accountsBefore = await t.accounts(b)
    expect(accountsBefore.status).toBe(200)

    const linked = await t.idpSignIn(b, "erin-at-work", { link: true, callbackUrl: `${t.origin}/settings` })
    expect(linked.authorizationUrl.startsWith(`${peer.issuer}/auth?`)).toBe(true)
    expect(linked.response.status).toBe(302)
    expect(linked.location, JSON.stringify(t.callbackFailures)).toBe(`${t.origin}/settings`)
    // The browser keeps its session: no new session cookie, the same user.
    expect(linked.response.headers.getSetCookie().filter((line) => line.startsWith(`${sessionCookie}=`))).toEqual([])
    expect(b.cookies.get(sessionCookie)).toBe(cookieBefore)
    expect(await t.session(b)).toStrictEqual(sessionBefore)

    const after = await t.accounts(b)
    expect(after.status).toBe(200)
    expect(after.body).toEqual(expect.arrayContaining([listed("idp", "erin-at-work")]))
    expect((after.body as Array<unknown>).length).toBe((accountsBefore.body as Array<unknown>).length + 1)
    expect((await t.userOf("erin-at-work"))?.id).toBe(erin?.id)
    // The IdP's address did not become a user of its own, nor replace Erin's.
    expect(await userByEmail("erin.w@corp.idp.example")).toBeUndefined()
    expect((await userByEmail("erin@example.com"))?.id).toBe(erin?.id)

    // A fresh browser signing in with the IdP is Erin.
    const fresh = t.browser()
    const again = await t.idpSignIn(fresh, "erin-at-work")
    expect(again.location).toBe(`${t.origin}/`)
    expect(await t.session(fresh)).toStrictEqual({ user: { name: null, email: "erin@example.com", image: null }, expires: expect.any(String) })
    expect((await t.accounts(fresh)).body).toEqual(after.body)
  })
})

describe("unlinking the IdP: POST /auth/unlink/idp", () => {
  it("removes the link and has the provider revoke the tokens; the last way to sign in is refused", async () => {
    // Hal links the IdP to his e-mail user: he keeps the e-mail way in, so the IdP may go.
    const hal = t.browser()
    await t.emailSignIn(hal, "hal@example.com")
    expect((await t.idpSignIn(hal, "hal-at-idp", { link: true })).location).toBe(`${t.origin}/`)
    const linked = (await t.account("hal-at-idp"))!
    const tokens = [linked.accessToken, linked.refreshToken].map((token) => Redacted.value(token!))
    expect(tokens.map(peer.isTokenActive)).toEqual([true, true])

    const unlinked = await hal.post("/auth/unlink/idp", { csrfToken: await hal.csrfToken() })
    expect(unlinked.status).toBe(200)
    expect(await unlinked.json()).toEqual({ unlinked: { provider: "idp", providerAccountId: "hal-at-idp" }, sessionEnded: false })
    expect(await t.account("hal-at-idp")).toBeUndefined()
    expect((await t.accounts(hal)).body).not.toEqual(expect.arrayContaining([listed("idp", "hal-at-idp")]))
    // RFC 7009 at the provider: the refresh token, and with it the grant's access token, are dead.
    expect(tokens.map(peer.isTokenActive)).toEqual([false, false])
    expect(await t.session(hal)).toMatchObject({ user: { email: "hal@example.com" } })

    // Ivy has only the IdP (an untrusted provider: her address is not verified), so it stays.
    const ivy = t.browser()
    await t.idpSignIn(ivy, "ivy-at-idp")
    const refused = await ivy.post("/auth/unlink/idp", { csrfToken: await ivy.csrfToken() })
    expect(refused.status).toBe(409)
    expect(await refused.json()).toMatchObject({ error: "LastSignInMethod" })
    const kept = (await t.account("ivy-at-idp"))!
    expect(peer.isTokenActive(Redacted.value(kept.refreshToken!))).toBe(true)
  })
})

describe("an unlinked IdP account whose address belongs to another user", () => {
  let frank: User
  let frankAccounts: ReadonlyArray<unknown>
  beforeAll(async () => {
    const b = t.browser()
    await t.emailSignIn(b, "frank@example.com")
    frank = (await userByEmail("frank@example.com"))!
    expect(frank.emailVerified).not.toBeNull()
    frankAccounts = await t.store((s) => s.listAccounts(frank.id))
  })

  const expectNotLinked = async (sub: string, provider: string) => {
    const b = t.browser()
    const { location, response } = await t.idpSignIn(b, sub, { provider })
    expect(response.status).toBe(302)
    expect(location, JSON.stringify(t.callbackFailures)).toBe(`${t.apiUrl}/signin?error=OAuthAccountNotLinked`)
    expect(b.cookies.has(sessionCookie)).toBe(false)
    expect(await t.session(b)).toBeNull()
    // No account, no new user; Frank's user is as it was.
    expect(await t.userOf(sub, provider)).toBeUndefined()
    expect(await t.store((s) => s.listAccounts(frank.id))).toEqual(frankAccounts)
    expect((await userByEmail("frank@example.com"))?.id).toBe(frank.id)
  }

  it("a provider not trusted for e-mail (trustEmail: false), even with email_verified: true → OAuthAccountNotLinked", async () => {
    await expectNotLinked("frank-verified", "idp")
  })

  it("a trusted provider (trustEmail: true) that did not verify the address → OAuthAccountNotLinked", async () => {
    await expectNotLinked("frank-unverified", "idp-trusted")
  })

  it("a trusted provider that verified the address → linked to that user and signed in as them", async () => {
    const b = t.browser()
    const { location } = await t.idpSignIn(b, "frank-verified", { provider: "idp-trusted" })
    expect(location, JSON.stringify(t.callbackFailures)).toBe(`${t.origin}/`)
    expect(await t.session(b)).toStrictEqual({ user: { name: null, email: "frank@example.com", image: null }, expires: expect.any(String) })
    expect((await t.userOf("frank-verified", "idp-trusted"))?.id).toBe(frank.id)
    expect((await t.accounts(b)).body).toEqual(expect.arrayContaining([listed("idp-trusted", "frank-verified")]))
    // The untrusted provider's account of the same person is still not linked.
    expect(await t.userOf("frank-verified", "idp")).toBeUndefined()
  })
})

describe("an address first brought by an IdP account that never proved it", () => {
  // BUG (security, pre-account hijacking — "classic-federated merge", Sudhodanan & Paverd 2022):
  // src/domain/accountSignIn.ts (CreateAndLink) creates the user of an untrusted provider's account with the
  // profile's address even though nobody vouched for it (`emailVerified: null`), and src/domain/emailSignIn.ts
  // (completeEmailSignIn) later signs the address's real owner into that existing user (`markVerified`)
  // instead of refusing or starting a user of their own. The owner now shares a user with whoever registered
  // their address at a lax IdP, and that person keeps getting in through their IdP account. decideLink already
  // refuses the mirror case (an unverified address of a signed-out IdP account never reaches an existing
  // user); this order needs the same protection (e.g. keep an unvouched address off the user, or do not sign
  // an e-mail owner into a user whose address was never verified and who has other ways in).
  // Auth.js behaves the same way, which is why this is reported rather than assumed.
  it("BUG: the address's owner, signing in by e-mail, does not land in the user the IdP account opens", async () => {
    const mallory = t.browser()
    expect((await t.idpSignIn(mallory, "mallory-lax")).location).toBe(`${t.origin}/`)
    const planted = (await t.userOf("mallory-lax"))!
    expect([planted.email, planted.emailVerified]).toEqual(["victim@example.com", null])

    const owner = t.browser()
    await t.emailSignIn(owner, "victim@example.com")
    // Whatever the fix — a user of the owner's own, or a refused sign-in — the owner's session (if any) must
    // not be the planted user. Today it is: the owner's accounts list Mallory's IdP account.
    const owners = await t.accounts(owner)
    const linkedToOwner = owners.status === 200 ? (owners.body as Array<unknown>) : []
    expect(linkedToOwner).not.toContainEqual(listed("idp", "mallory-lax"))
  })
})

it("no request above was answered with a 5xx", () => {
  expect(t.exchanges().filter((exchange) => exchange.status >= 500)).toEqual([])
  expect(peer.serverErrors).toEqual([])
})
