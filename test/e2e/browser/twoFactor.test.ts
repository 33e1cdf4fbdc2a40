/**
 * Two-factor sign-in in a real browser (Chromium through playwright-core), against authfx on memory adapters
 * over HTTP on 127.0.0.1: Ada turns two-factor on through the JSON API (a plain HTTP client), then signs in
 * with her password in Chromium, lands on the built-in code page with no session, types the code otpauth
 * computes from her secret (as her authenticator app would) and is signed in.
 *
 * Without a working Chromium every test here FAILS with the reason, as in signIn.test.ts.
 */
import * as OTPAuth from "otpauth"
import type { Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { screenshot, watch, type Watch } from "../../support/chromium.ts"
import { serveAuth } from "../../support/nodeAuth.ts"
import { chromiumWithAuth } from "./chromiumWithAuth.ts"
import { usabilityIssues, usabilityOf } from "../../support/pageUsability.ts"

const watches: Array<Watch> = []
const ready = chromiumWithAuth(() => serveAuth())

const sessionSeenBy = async (page: Page): Promise<unknown> =>
  (await page.context().request.get(`${ready().served.origin}/auth/session`)).json()

/** Ada's secret, after turning two-factor on through the API, as an application's settings page would. */
const enrolAda = async () => {
  const { served } = ready()
  const client = served.browser()
  await served.credentialsSignIn(client)
  const started = await client.postJson("/auth/two-factor/enrol", { csrfToken: await client.csrfToken() })
  const { uri } = await started.json() as { uri: string }
  const totp = OTPAuth.URI.parse(uri) as OTPAuth.TOTP
  const confirmed = await client.postJson("/auth/two-factor/enrol/confirm", {
    csrfToken: await client.csrfToken(),
    code: totp.generate()
  })
  expect(confirmed.status).toBe(200)
  return totp
}

describe("two-factor sign-in in Chromium", () => {
  it("password, then the code page, then the code from the app: signed in", async () => {
    const { browser, served } = ready()
    const totp = await enrolAda()
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 } })
    context.setDefaultTimeout(10_000)
    const page = await context.newPage()
    const watched = watch(page)
    watched.expectStatus((url, status) => url.pathname === "/favicon.ico" && status === 404)
    watches.push(watched)

    await page.goto(`${served.origin}/auth/signin?callbackUrl=${encodeURIComponent(`${served.origin}/auth/session`)}`)
    await page.getByLabel("Username", { exact: true }).fill("ada")
    await page.getByLabel("Password", { exact: true }).fill("correct horse")
    await page.getByRole("button", { name: "Sign in with Password", exact: true }).click()
    await page.waitForURL((url) => url.pathname === "/auth/two-factor")
    expect(await sessionSeenBy(page)).toBeNull()
    const cookies = await context.cookies()
    expect(cookies.some((cookie) => cookie.name.includes("session-token"))).toBe(false)
    expect(cookies.find((cookie) => cookie.name.endsWith("two-factor"))?.httpOnly).toBe(true)
    await screenshot(page, "two-factor-code")
    expect(usabilityIssues(await usabilityOf(page))).toEqual([])

    // The next step's code: the enrolment used the current one, and a code is good once.
    await page.getByLabel("Code", { exact: true }).fill(totp.generate({ timestamp: Date.now() + 30_000 }))
    await page.getByLabel(/Trust this device/).check()
    await page.getByRole("button", { name: "Continue", exact: true }).click()
    await page.waitForURL((url) => url.pathname === "/auth/session")
    expect(await sessionSeenBy(page)).toMatchObject({ user: { email: "ada@example.com" } })
    expect((await context.cookies()).some((cookie) => cookie.name.endsWith("trusted-device"))).toBe(true)
  })

  it("no console errors, uncaught exceptions, failed requests or unexpected ≥400 answers", () => {
    ready()
    expect(watches.length).toBeGreaterThan(0)
    expect(watches.flatMap((w) => w.problems())).toEqual([])
  })
})
