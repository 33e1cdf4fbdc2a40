/**
 * The demo in a real browser (Chromium through playwright-core, test/support/chromium.ts): sign in with a real OpenID
 * Provider, with a magic link read from a real SMTP server, and with the credentials form, each ending
 * on the demo's home page that shows the session; sign out. Along the way every built-in page is
 * measured for keyboard and screen-reader use, every page's console and network are watched, and each
 * page is saved as a full-page PNG under test-artifacts/screenshots/.
 *
 * The forms are submitted exactly as Chromium submits them: with the pages' referrer policy it sends a real
 * Origin (with `no-referrer` it sent `Origin: null`, which the CSRF check refused), and the pages' CSP lets a
 * form's redirect reach the http IdP of this development setup.
 *
 * Without a working Chromium every test here FAILS with the reason: a browser suite that skips
 * quietly looks exactly like one that passes.
 */
import { statSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Browser, BrowserContext, Page } from "playwright-core"
import { launchChromium, type Launched, pngSize, screenshot, screenshotPath, watch, type Watch } from "../../support/chromium.ts"
import { type Usability, usabilityIssues, usabilityOf } from "../../support/pageUsability.ts"
import { demoAccount, type DemoRig, idpAccount, idpName, startDemoRig } from "./demoRig.ts"
import { submit, text } from "./pageActions.ts"

let launched: Launched = { _tag: "Unavailable", reason: "beforeAll did not run" }
let rig: DemoRig | undefined
const contexts: Array<BrowserContext> = []
/** The watches of the flows. */
const flowWatches: Array<Watch> = []
/** Our pages as measured in the flows, by name. */
const measured = new Map<string, Usability>()
const screenshots: Array<string> = []
// Screenshots from an earlier run must not pass for this one's (file times are coarser than Date.now()).
const startedAt = Date.now() - 1_000

beforeAll(async () => {
  launched = await launchChromium()
  if (launched._tag === "Unavailable") {
    console.error(`\n${"!".repeat(78)}\nBROWSER TESTS CANNOT RUN: ${launched.reason}\n${"!".repeat(78)}\n`)
    return
  }
  rig = await startDemoRig()
}, 60_000)

afterAll(async () => {
  const errors: Array<unknown> = []
  for (const context of contexts) await context.close().catch((error: unknown) => errors.push(error))
  if (launched._tag === "Launched") await launched.browser.close().catch((error: unknown) => errors.push(error))
  await rig?.stop().catch((error: unknown) => errors.push(error))
  if (errors.length > 0) throw new AggregateError(errors, "closing the browser, the peers or the demo")
  // The provider never failed on its own side.
  expect(rig?.oidc.serverErrors ?? []).toEqual([])
}, 30_000)

const ready = (): { readonly browser: Browser; readonly rig: DemoRig } => {
  if (launched._tag === "Unavailable") throw new Error(`Chromium is unavailable, so this browser test cannot run: ${launched.reason}`)
  if (rig === undefined) throw new Error("the demo and its peers did not start (see beforeAll)")
  return { browser: launched.browser, rig }
}

/** A fresh browser profile (no cookies) with one watched page; a flow's problems count in "what the browser saw". */
const freshPage = async (kind: "flow" | "probe" = "flow") => {
  const { browser } = ready()
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } })
  contexts.push(context)
  context.setDefaultTimeout(10_000)
  const page = await context.newPage()
  const watched = watch(page)
  if (kind === "flow") flowWatches.push(watched)
  return { context, page, watched }
}

/** A full-page PNG of the page; for our own pages also the usability measurements. */
const record = async (page: Page, name: string, options: { readonly ours: boolean }) => {
  screenshots.push(await screenshot(page, name))
  if (options.ours) measured.set(name, await usabilityOf(page))
}


const sessionInPage = (page: Page) => page.evaluate(async () => (await fetch("/auth/session")).json() as Promise<unknown>)


const landedOn = (url: URL) => `${url.pathname}${url.search}`

const signInWithCredentials = async (page: Page, password: string): Promise<URL> => {
  await page.goto(`${ready().rig.authUrl}/signin?callbackUrl=%2F`)
  await page.getByLabel("Username", { exact: true }).fill(demoAccount.username)
  await page.getByLabel("Password", { exact: true }).fill(password)
  return submit(page, "Sign in with Demo account")
}

describe("the demo in Chromium", () => {
  it("IdP: home → sign-in page → the IdP's login and consent → home shows the IdP user; sign-out ends the session", async () => {
    const { rig } = ready()
    const { page } = await freshPage()

    await page.goto(`${rig.origin}/`)
    expect(await page.locator("main").textContent()).toContain("You are not signed in.")
    await record(page, "home-signed-out", { ours: true })

    await page.getByRole("link", { name: "Sign in" }).click()
    await page.waitForURL((url) => url.pathname === "/auth/signin")
    await record(page, "signin", { ours: true })

    const atIdp = await submit(page, `Sign in with ${idpName}`)
    expect(atIdp.origin, `the IdP button led to ${atIdp.href}`).toBe(rig.oidc.issuer)
    expect(atIdp.pathname).toMatch(/^\/interaction\//)
    await record(page, "idp-login", { ours: false })
    await page.getByLabel("Account").fill(idpAccount.sub)
    await page.getByRole("button", { name: "Sign in" }).click()
    await page.getByRole("button", { name: "Allow" }).waitFor()
    await record(page, "idp-consent", { ours: false })
    const home = await submit(page, "Allow")

    expect(home.href, `after consent the browser landed on ${home.href}`).toBe(`${rig.origin}/`)
    expect(await text(page, "#session-email")).toBe(idpAccount.claims.email)
    const shown = JSON.parse(await text(page, "#session-json")) as { readonly user?: { readonly email?: unknown } }
    expect(shown.user?.email).toBe(idpAccount.claims.email)
    await record(page, "home-signed-in-idp", { ours: true })

    await page.getByRole("link", { name: "Sign out" }).click()
    await page.waitForURL((url) => url.pathname === "/auth/signout")
    await record(page, "signout", { ours: true })
    const after = await submit(page, "Sign out")
    expect(after.href, `after sign-out the browser landed on ${after.href}`).toBe(`${rig.origin}/`)
    expect(await page.locator("main").textContent()).toContain("You are not signed in.")
    expect(await page.locator("#session-email").count()).toBe(0)
    expect(await sessionInPage(page)).toBeNull()
  })

  it("e-mail: sign-in page → verify-request → the link from the SMTP server → home shows the address; the link again → Verification error page", async () => {
    const { rig } = ready()
    const address = `ada-${Date.now()}@mail.example`
    const { page } = await freshPage()

    await page.goto(`${rig.authUrl}/signin?callbackUrl=%2F`)
    await page.getByLabel("Email", { exact: true }).fill(address)
    const sent = await submit(page, "Sign in with Email")
    expect(sent.pathname, `the e-mail form led to ${landedOn(sent)}`).toBe("/auth/verify-request")
    expect(await text(page, "h1")).toBe("Check your email")
    await record(page, "verify-request", { ours: true })

    const mail = await rig.smtp.waitFor(address)
    const link = (mail.text ?? "").split("\n").map((line) => line.trim()).find((line) => line.startsWith("http"))
    if (link === undefined) throw new Error(`no link in the mail's text: ${mail.text ?? "(no text part)"}`)
    expect(link.startsWith(`${rig.authUrl}/callback/email?`)).toBe(true)

    await page.goto(link)
    expect(page.url()).toBe(`${rig.origin}/`)
    expect(await text(page, "#session-email")).toBe(address)
    await record(page, "home-signed-in-email", { ours: true })

    // The link works once: a second browser (another profile, no cookies) gets the error page.
    const second = await freshPage()
    second.watched.expectStatus((url, status) =>
      url.pathname === "/auth/error" && url.searchParams.get("error") === "Verification" && status === 403)
    const response = await second.page.goto(link)
    const landed = new URL(second.page.url())
    expect(landedOn(landed)).toBe("/auth/error?error=Verification")
    expect(response?.status()).toBe(403)
    expect(await text(second.page, "h1")).toBe("Unable to sign in")
    expect(await second.page.locator("main").textContent()).toContain("The sign-in link is no longer valid.")
    await record(second.page, "error-verification", { ours: true })
    await second.page.goto(`${rig.origin}/`)
    expect(await second.page.locator("main").textContent()).toContain("You are not signed in.")
  })

  it("credentials: username and password found by their labels → home shows DEMO_EMAIL", async () => {
    const { rig } = ready()
    const { page } = await freshPage()
    const landed = await signInWithCredentials(page, demoAccount.password)
    expect(landed.href, `the credentials form led to ${landed.href}`).toBe(`${rig.origin}/`)
    expect(await text(page, "#session-email")).toBe(demoAccount.email)
    await record(page, "home-signed-in-credentials", { ours: true })
  })

  it("credentials: a wrong password → the sign-in page again, the message in a role=alert region, no session", async () => {
    const { rig } = ready()
    const { page } = await freshPage()
    const landed = await signInWithCredentials(page, "not the password")
    expect(landed.pathname).toBe("/auth/signin")
    expect(landed.searchParams.get("error"), `landed on ${landedOn(landed)}`).toBe("CredentialsSignin")
    const alert = page.getByRole("alert")
    expect(await alert.count()).toBe(1)
    expect(await alert.textContent()).toContain("Sign in failed. Check the details you provided are correct.")
    await record(page, "signin-error", { ours: true })
    await page.goto(`${rig.origin}/`)
    expect(await page.locator("main").textContent()).toContain("You are not signed in.")
  })
})

describe("usability of every page of ours the flows visited", () => {
  const usable = (name: string) => () => {
    ready()
    const facts = measured.get(name)
    if (facts === undefined) throw new Error(`the flows did not reach the ${name} page`)
    expect(facts.controls.length, "a page with nothing to reach by keyboard measures nothing").toBeGreaterThan(0)
    expect(usabilityIssues(facts), JSON.stringify(facts, null, 2)).toEqual([])
  }
  it("home, signed out", usable("home-signed-out"))
  it("sign-in", usable("signin"))
  it("sign-in with an error", usable("signin-error"))
  it("verify-request", usable("verify-request"))
  it("home, signed in", usable("home-signed-in-idp"))
  it("sign-out", usable("signout"))
  it("error (Verification)", usable("error-verification"))

  // The session JSON has long lines (a longer address): it scrolls inside the card instead of running out of it.
  it("home, signed in with a longer address: the session JSON stays inside the card", () => {
    ready()
    const facts = measured.get("home-signed-in-email")
    if (facts === undefined) throw new Error("the e-mail flow did not reach the home page")
    expect(facts.spills).toEqual([])
  })

  it("sign-in: Tab visits the IdP button, the e-mail field and button, then username, password and button, then the passkey button", () => {
    ready()
    expect(measured.get("signin")?.controls.map((control) => `${control.role} ${control.name}`)).toEqual([
      `button Sign in with ${idpName}`,
      "textbox Email",
      "button Sign in with Email",
      "textbox Username",
      "textbox Password",
      "button Sign in with Demo account",
      "button Sign in with Passkey"
    ])
  })
})

describe("what the browser saw", () => {
  it("no console errors, uncaught exceptions, failed requests or unexpected ≥400 answers in any flow", () => {
    ready()
    expect(flowWatches.length).toBeGreaterThan(0)
    expect(flowWatches.flatMap((w) => w.problems())).toEqual([])
  })

  // Browsers ask every origin for an icon: the pages declare none (data:) and the demo answers 204, so no
  // console line. The flows do not see it (with request interception on, this Chromium does not fetch it).
  it("the demo's pages, as Chromium loads them, log no console error", async () => {
    const { rig } = ready()
    const { page } = await freshPage("probe")
    const firstError = page.waitForEvent("console", { predicate: (message) => message.type() === "error", timeout: 3_000 })
      .then((message) => `${message.location().url}: ${message.text()}`, () => null)
    await page.goto(`${rig.origin}/`)
    await page.goto(`${rig.authUrl}/signin?callbackUrl=%2F`)
    expect(await firstError).toBeNull()
  })

  it("saved a non-empty full-page PNG of each page", () => {
    ready()
    const names = [
      "home-signed-out",
      "signin",
      "idp-login",
      "idp-consent",
      "verify-request",
      "home-signed-in-idp",
      "home-signed-in-email",
      "home-signed-in-credentials",
      "signout",
      "error-verification",
      "signin-error"
    ]
    for (const name of names) {
      const path = screenshotPath(name)
      const size = pngSize(path)
      expect(size, `${path} is a PNG`).not.toBeNull()
      expect(statSync(path).mtimeMs, `${path} was written by this run`).toBeGreaterThanOrEqual(startedAt)
      expect(size!.width).toBeGreaterThan(0)
      expect(size!.height).toBeGreaterThan(0)
    }
    expect(screenshots.length).toBe(names.length)
  })
})
