/**
 * Rate limits in a real browser (Chromium through playwright-core) against authfx served over HTTP: asking
 * for a second magic link for one address within the rule's window lands on the built-in error page, which
 * says when to try again; the sign-in form is refused the same way after too many passwords.
 *
 * Without a working Chromium every test here FAILS with the reason, as in signIn.test.ts.
 */
import type { Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { screenshot, watch } from "../../support/chromium.ts"
import { serveAuth } from "../../support/nodeAuth.ts"
import { chromiumWithAuth } from "./chromiumWithAuth.ts"
import { usabilityIssues, usabilityOf } from "../../support/pageUsability.ts"

const ready = chromiumWithAuth(() => serveAuth({
    rateLimit: { email: { limit: 1, window: "10 minutes" }, credentials: { limit: 2, window: "1 minute" } }
  }))

const freshPage = async () => {
  const context = await ready().browser.newContext({ viewport: { width: 1024, height: 768 } })
  context.setDefaultTimeout(10_000)
  const page = await context.newPage()
  const watched = watch(page)
  // The error page answers 429 on purpose.
  watched.expectStatus((url, status) => url.pathname === "/auth/error" && status === 429)
  return { page, watched }
}

const text = async (page: Page, selector: string) => ((await page.locator(selector).textContent()) ?? "").trim()

const askForLink = async (page: Page, address: string) => {
  await page.goto(`${ready().served.origin}/auth/signin`)
  await page.getByLabel("Email", { exact: true }).fill(address)
  await page.getByRole("button", { name: "Sign in with Email", exact: true }).click()
  await page.waitForLoadState("load")
}

describe("rate limits in Chromium", () => {
  it("a second magic link within the window lands on the error page, which says when to try again", async () => {
    const { page, watched } = await freshPage()
    const address = `lena-${Date.now()}@mail.example`
    await askForLink(page, address)
    expect(new URL(page.url()).pathname).toBe("/auth/verify-request")
    await askForLink(page, address)
    const landed = new URL(page.url())
    expect(landed.pathname).toBe("/auth/error")
    expect(landed.searchParams.get("error")).toBe("RateLimited")
    expect(await text(page, "h1")).toBe("Too many attempts")
    expect(await text(page, "main")).toContain("Please try again in 10 minutes.")
    await screenshot(page, "rate-limited")
    expect(usabilityIssues(await usabilityOf(page))).toEqual([])
    expect(watched.problems()).toEqual([])
  })

  it("the password form is refused after too many attempts for one username", async () => {
    const { page, watched } = await freshPage()
    const origin = ready().served.origin
    for (let i = 0; i < 3; i++) {
      await page.goto(`${origin}/auth/signin`)
      await page.getByLabel("Username", { exact: true }).fill("bob")
      await page.getByLabel("Password", { exact: true }).fill("not his")
      await page.getByRole("button", { name: "Sign in with Password", exact: true }).click()
      await page.waitForLoadState("load")
    }
    expect(new URL(page.url()).searchParams.get("error")).toBe("RateLimited")
    expect(await text(page, "main")).toMatch(/Please try again in \d+ seconds?\./)
    expect(watched.problems()).toEqual([])
  })
})
