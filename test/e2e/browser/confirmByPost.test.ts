/**
 * Magic links with `confirmByPost` in a real browser (Chromium through playwright-core), against
 * authfx on memory adapters served over HTTP on 127.0.0.1, the link read from the memory outbox: the link
 * opens a page naming the address; pressing its one button signs in. A scanner that loads the link (twice)
 * spends nothing. The form is submitted exactly as Chromium submits it, so the page's referrer policy must
 * still let it send a real Origin, which the CSRF check requires.
 *
 * Without a working Chromium every test here FAILS with the reason, as in signIn.test.ts.
 */
import type { Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import type { EmailProviderConfig } from "../../../src/domain/Provider.ts"
import { screenshot, watch, type Watch } from "../../support/chromium.ts"
import { testProviders } from "../../support/memoryHarness.ts"
import { serveAuth } from "../../support/nodeAuth.ts"
import { chromiumWithAuth } from "./chromiumWithAuth.ts"
import { usabilityIssues, usabilityOf } from "../../support/pageUsability.ts"

const providers = testProviders.map((provider) =>
  provider.type === "email" ? ({ ...provider, confirmByPost: true } satisfies EmailProviderConfig) : provider)

const watches: Array<Watch> = []
const ready = chromiumWithAuth(() => serveAuth({ providers }))

/** A fresh browser profile (no cookies) with one watched page. */
const freshPage = async () => {
  const context = await ready().browser.newContext({ viewport: { width: 1024, height: 768 } })
  context.setDefaultTimeout(10_000)
  const page = await context.newPage()
  const watched = watch(page)
  // The JSON we land on is no page of ours: Chromium asks its origin for an icon, which authfx does not serve.
  watched.expectStatus((url, status) => url.pathname === "/favicon.ico" && status === 404)
  watches.push(watched)
  return { page, watched }
}

const text = async (page: Page, selector: string) => ((await page.locator(selector).textContent()) ?? "").trim()

/** The session of the page's browser profile (its cookies); our pages' CSP lets no script fetch it. */
const sessionSeenBy = async (page: Page): Promise<unknown> =>
  (await page.context().request.get(`${ready().served.origin}/auth/session`)).json()

/** Asks for a link through the sign-in page, as a person would, landing on /auth/session afterwards. */
const requestLink = async (page: Page, address: string): Promise<string> => {
  const { served } = ready()
  await page.goto(`${served.origin}/auth/signin?callbackUrl=${encodeURIComponent(`${served.origin}/auth/session`)}`)
  await page.getByLabel("Email", { exact: true }).fill(address)
  await page.getByRole("button", { name: "Sign in with Email", exact: true }).click()
  await page.waitForURL((url) => url.pathname === "/auth/verify-request")
  return `${served.origin}${await served.mailedLink(address)}`
}

/** Presses the confirming page's button and waits for where the browser lands after every redirect. */
const confirm = async (page: Page): Promise<URL> => {
  const before = page.url()
  await page.getByRole("button", { name: "Sign in", exact: true }).click()
  await page.waitForURL((url) => url.href !== before)
  await page.waitForLoadState("load")
  return new URL(page.url())
}

describe("confirmByPost in Chromium", () => {
  it("the mailed link opens a page naming the address; its button signs in", async () => {
    const { served } = ready()
    const { page } = await freshPage()
    const address = `ada-${Date.now()}@mail.example`
    const link = await requestLink(page, address)

    await page.goto(link)
    expect(new URL(page.url()).pathname).toBe("/auth/callback/email")
    expect(await text(page, "h1")).toBe("Sign in")
    expect(await text(page, "main")).toContain(`as ${address}?`)
    expect(await sessionSeenBy(page)).toBeNull()
    await screenshot(page, "confirm-signin")
    expect(usabilityIssues(await usabilityOf(page))).toEqual([])

    const landed = await confirm(page)
    expect(landed.href).toBe(`${served.origin}/auth/session`)
    expect(await sessionSeenBy(page)).toMatchObject({ user: { email: address } })
  })

  it("a scanner loading the link twice leaves it usable: the person still signs in with it", async () => {
    const { page: scanner, watched } = await freshPage()
    const { page } = await freshPage()
    const address = `grace-${Date.now()}@mail.example`
    const link = await requestLink(page, address)

    for (let i = 0; i < 2; i++) {
      const response = await scanner.goto(link)
      expect(response?.status()).toBe(200)
      expect(await text(scanner, "main")).toContain(`as ${address}?`)
    }
    expect(await sessionSeenBy(scanner)).toBeNull()

    await page.goto(link)
    await confirm(page)
    expect(await sessionSeenBy(page)).toMatchObject({ user: { email: address } })
    // Spent now: the scanner's copy of the page leads to the Verification error, not into the account.
    watched.expectStatus((url, status) => url.pathname === "/auth/error" && status === 403)
    const after = await confirm(scanner)
    expect(`${after.pathname}${after.search}`).toBe("/auth/error?error=Verification")
    expect(await sessionSeenBy(scanner)).toBeNull()
  })

  it("no console errors, uncaught exceptions, failed requests or unexpected ≥400 answers", () => {
    ready()
    expect(watches.length).toBeGreaterThan(0)
    expect(watches.flatMap((w) => w.problems())).toEqual([])
  })
})
