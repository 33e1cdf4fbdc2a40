import { afterAll, beforeAll, expect, it } from "vitest"
import { startAuth } from "../support/httpHarness.ts"
import { profile } from "../support/memoryHarness.ts"

let t: Awaited<ReturnType<typeof startAuth>>
beforeAll(async () => {
  t = await startAuth()
})
afterAll(() => t.auth.dispose())

it("credentials sign-in, session, sign-out; a copied cookie stops working", async () => {
  const browser = t.browser()
  expect(await t.session(browser)).toBeNull()
  const signedIn = await t.credentialsSignIn(browser)
  expect(signedIn.status).toBe(302)
  expect(await t.session(browser)).toMatchObject({ user: { name: "Ada", email: "ada@example.com" } })
  const copied = browser.cookies.get("authjs.session-token")!
  expect((await browser.post("/auth/signout", { csrfToken: await browser.csrfToken() })).status).toBe(302)
  expect(await t.session(browser)).toBeNull()
  const thief = t.browser()
  thief.cookies.set("authjs.session-token", copied)
  expect(await t.session(thief)).toBeNull()
})

it("OAuth sign-in through the scripted provider; a replayed callback is refused", async () => {
  const browser = t.browser()
  const back = await t.oauthSignIn(browser, "github", profile("gh-1", "octo@example.com", true), "/after")
  expect(back.headers.get("location")).toBe(`${t.origin}/after`)
  expect(await t.session(browser)).toMatchObject({ user: { email: "octo@example.com" } })
})

it("e-mail sign-in works once", async () => {
  const browser = t.browser()
  const sent = await browser.post("/auth/signin/email", { csrfToken: await browser.csrfToken(), email: "Eve@Example.com" })
  expect(sent.headers.get("location")).toBe(`${t.origin}/auth/verify-request?provider=email&type=email`)
  const link = await t.mailedLink("eve@example.com")
  expect((await browser.get(link)).status).toBe(302)
  expect(await t.session(browser)).toMatchObject({ user: { email: "eve@example.com" } })
  expect((await t.browser().get(link)).headers.get("location")).toBe(`${t.origin}/auth/error?error=Verification`)
})
