/**
 * Passkeys in a real browser: Chromium (playwright-core) with the DevTools virtual authenticator (CTAP2, internal,
 * resident keys, user verification that always succeeds) through the demo on http://localhost (WebAuthn needs a
 * secure context whose host is a valid RP ID; 127.0.0.1 is not one). Sign in with the credentials form, add a
 * passkey on the home page, sign out, sign in with the passkey on the built-in sign-in page (discoverable:
 * nothing typed) and again with the home page's button (authfx/client/passkey), see it listed, remove it — which ends the session signed in with it — and find that the
 * authenticator's copy opens nothing any more.
 *
 * Without a working Chromium every test here FAILS with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { BrowserContext, CDPSession } from "playwright-core"
import { launchChromium, type Launched, screenshot, watch } from "../../support/chromium.ts"
import { demoAccount, type DemoRig, startDemoRig } from "./demoRig.ts"
import { submit, text } from "./pageActions.ts"

let launched: Launched = { _tag: "Unavailable", reason: "beforeAll did not run" }
let rig: DemoRig | undefined
const contexts: Array<BrowserContext> = []

beforeAll(async () => {
  launched = await launchChromium()
  if (launched._tag === "Unavailable") return
  rig = await startDemoRig({ host: "localhost" })
}, 60_000)

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {})
  if (launched._tag === "Launched") await launched.browser.close().catch(() => {})
  await rig?.stop()
}, 30_000)

const ready = () => {
  if (launched._tag === "Unavailable") throw new Error(`Chromium is unavailable, so this browser test cannot run: ${launched.reason}`)
  if (rig === undefined) throw new Error("the demo and its peers did not start (see beforeAll)")
  return { browser: launched.browser, rig }
}

// How long a page may take to show what a ceremony did (a bound on waiting, not a timing assertion).
const patiently = { timeout: 10_000 }

/** A fresh profile with a virtual platform authenticator that holds resident keys and verifies the user. */
const pageWithAuthenticator = async () => {
  const { browser } = ready()
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } })
  contexts.push(context)
  context.setDefaultTimeout(10_000)
  const page = await context.newPage()
  const watched = watch(page)
  const cdp = await context.newCDPSession(page)
  await cdp.send("WebAuthn.enable")
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true }
  })
  return { page, watched, cdp, authenticatorId }
}

const credentialsOf = async (cdp: CDPSession, authenticatorId: string) =>
  (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials



describe("passkeys in Chromium (virtual authenticator)", () => {
  it("register while signed in, sign out, sign in with the passkey alone, list it, remove it", async () => {
    const { rig } = ready()
    const { page, watched, cdp, authenticatorId } = await pageWithAuthenticator()

    // Signed in with the credentials form.
    await page.goto(`${rig.authUrl}/signin?callbackUrl=%2F`)
    await page.getByLabel("Username", { exact: true }).fill(demoAccount.username)
    await page.getByLabel("Password", { exact: true }).fill(demoAccount.password)
    const home = await submit(page, "Sign in with Demo account")
    expect(home.href).toBe(`${rig.origin}/`)
    expect(await text(page, "#session-email")).toBe(demoAccount.email)

    // Add a passkey on the home page.
    await page.getByRole("button", { name: "Show my passkeys" }).click()
    await expect.poll(() => text(page, "#passkey-status"), patiently).toBe("No passkeys yet.")
    await page.getByRole("button", { name: "Add a passkey" }).click()
    await expect.poll(() => text(page, "#passkey-status"), patiently).toBe("Passkey added.")
    await expect.poll(() => page.locator("#passkey-list li").count(), patiently).toBe(1)
    const stored = await credentialsOf(cdp, authenticatorId)
    expect(stored).toHaveLength(1)
    expect(stored[0]!.isResidentCredential).toBe(true)
    await screenshot(page, "home-passkey-added")

    // Sign out.
    await page.getByRole("link", { name: "Sign out" }).click()
    await page.waitForURL((url) => url.pathname === "/auth/signout")
    await submit(page, "Sign out")
    expect(await page.locator("main").textContent()).toContain("You are not signed in.")

    // Sign in with the passkey: nothing typed, the browser offers the one it holds for localhost.
    await page.goto(`${rig.authUrl}/signin?callbackUrl=%2F`)
    await screenshot(page, "signin-with-passkey")
    const back = await submit(page, "Sign in with Passkey")
    expect(back.href, `the passkey sign-in led to ${back.href}`).toBe(`${rig.origin}/`)
    expect(await text(page, "#session-email")).toBe(demoAccount.email)
    const signCount = (await credentialsOf(cdp, authenticatorId))[0]!.signCount
    expect(signCount).toBeGreaterThan(0)

    // Signed out again, then in with the home page's button (authfx/client/passkey's signInWithPasskey).
    await page.getByRole("link", { name: "Sign out" }).click()
    await page.waitForURL((url) => url.pathname === "/auth/signout")
    await submit(page, "Sign out")
    await page.getByRole("button", { name: "Sign in with a passkey" }).click()
    await expect.poll(() => page.locator("#session-email").count(), patiently).toBe(1)
    expect(await text(page, "#session-email")).toBe(demoAccount.email)
    expect((await credentialsOf(cdp, authenticatorId))[0]!.signCount).toBeGreaterThan(signCount)

    // Listed; removing it is allowed (the demo user has the credentials account and a verified address) and
    // ends this session, which was signed in with a passkey.
    await page.getByRole("button", { name: "Show my passkeys" }).click()
    await expect.poll(() => page.locator("#passkey-list li").count(), patiently).toBe(1)
    await page.getByRole("button", { name: /^Remove passkey/ }).click()
    await expect.poll(async () => (await page.locator("main").textContent()) ?? "", patiently).toContain("You are not signed in.")
    const session = await page.evaluate(async () => (await fetch("/auth/session")).json() as Promise<unknown>)
    expect(session).toBeNull()

    // The authenticator still holds its copy, which opens nothing now.
    watched.expectStatus((url) => url.pathname === "/auth/error")
    await page.goto(`${rig.authUrl}/signin?callbackUrl=%2F`)
    const refused = await submit(page, "Sign in with Passkey")
    expect(refused.searchParams.get("error")).toBe("WebAuthnVerificationError")

    expect(watched.problems()).toEqual([])
  })
})
