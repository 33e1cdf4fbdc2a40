/**
 * The demo's home page keeps the session live with `authfx/client`: two tabs of one browser on the home
 * page; signing in and out in one (through the built-in pages, as a person does) shows in the other within a
 * second, without a reload and without a request from it. Without JavaScript the page is still complete.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startDemo } from "../../src/demo/server.ts"
import { launchChromium, type Launched, screenshot, watch, type Watch } from "../support/chromium.ts"

const account = { username: "linus", password: "a long demo password 0123", email: "linus@home.example" } as const

type Demo = NonNullable<Awaited<ReturnType<typeof startDemo>>>

let launched: Launched = { _tag: "Unavailable", reason: "beforeAll did not run" }
let demo: Demo | undefined
let origin = ""
const dir = mkdtempSync(join(tmpdir(), "authfx-home-"))
const watches: Array<Watch> = []

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer()
    probe.once("error", reject)
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      probe.close(() => resolve(port))
    })
  })

beforeAll(async () => {
  const port = await freePort()
  origin = `http://127.0.0.1:${port}`
  const [browser, started] = await Promise.all([
    launchChromium(),
    startDemo({
      PORT: String(port),
      HOST: "127.0.0.1",
      AUTH_URL: `${origin}/auth`,
      AUTH_SECRET: "/jLHzwSQLzLALTLpSaMr5+X8vNfVe53N1/nB02ui0fmO",
      DEMO_USERNAME: account.username,
      DEMO_PASSWORD: account.password,
      DEMO_EMAIL: account.email,
      AUTHFX_DB_FILE: join(dir, "authfx.sqlite")
    })
  ])
  launched = browser
  demo = started
}, 60_000)

afterAll(async () => {
  const errors: Array<unknown> = []
  if (launched._tag === "Launched") await launched.browser.close().catch((error: unknown) => errors.push(error))
  if (demo !== undefined) {
    demo.server.closeAllConnections()
    await demo.stop().catch((error: unknown) => errors.push(error))
  }
  rmSync(dir, { recursive: true, force: true })
  if (errors.length > 0) throw new AggregateError(errors, "closing the browser or the demo")
}, 30_000)

const ready = (): Browser => {
  if (launched._tag === "Unavailable") throw new Error(`Chromium is unavailable, so this browser test cannot run: ${launched.reason}`)
  if (demo === undefined) throw new Error("the demo did not start (see beforeAll)")
  return launched.browser
}

const mainText = async (page: Page) => ((await page.locator("main").textContent()) ?? "").replace(/\s+/g, " ").trim()

/** Waits at most a second for the page to say `text` in its main part. */
const showsWithin = async (page: Page, text: string) => {
  await page.waitForFunction((t) => (document.querySelector("main")?.textContent ?? "").includes(t), text, { timeout: 1_000, polling: 20 })
    .catch(async (error: unknown) => {
      throw new Error(`the home page did not show "${text}" within a second; it shows: ${await mainText(page)}`, { cause: error })
    })
}

/** Presses a button that submits a form, and waits for where the browser lands. */
const submit = async (page: Page, button: string) => {
  const before = page.url()
  await page.getByRole("button", { name: button, exact: true }).click()
  await page.waitForURL((url) => url.href !== before)
  await page.waitForLoadState("load")
}

describe("the demo's home page, live", () => {
  it("sign in and sign out in one tab → the other tab's home page follows within a second, without a reload or a request", async () => {
    const context = await ready().newContext()
    context.setDefaultTimeout(10_000)
    try {
      const [a, b] = [await context.newPage(), await context.newPage()]
      watches.push(watch(a), watch(b))
      for (const page of [a, b]) await page.goto(`${origin}/`)
      expect(await mainText(b)).toContain("You are not signed in.")
      // Proof that the tab is never reloaded: a mark only this load of the page has.
      await b.evaluate(() => Reflect.set(globalThis, "homeMark", "still here"))
      const requestsOfB: Array<string> = []
      b.on("request", (request) => requestsOfB.push(`${request.method()} ${new URL(request.url()).pathname}`))

      await a.goto(`${origin}/auth/signin?callbackUrl=%2F`)
      await a.getByLabel("Username", { exact: true }).fill(account.username)
      await a.getByLabel("Password", { exact: true }).fill(account.password)
      await submit(a, "Sign in with Demo account")
      expect(a.url()).toBe(`${origin}/`)
      expect(await a.locator("#session-email").textContent()).toBe(account.email)

      await showsWithin(b, `Signed in as ${account.email}.`)
      expect(JSON.parse((await b.locator("#session-json").textContent()) ?? "null")).toMatchObject({ user: { email: account.email } })
      expect(await b.getByRole("link", { name: "Sign out" }).getAttribute("href")).toBe("/auth/signout?callbackUrl=%2F")
      await screenshot(b, "home-live-signed-in-in-other-tab")

      await a.getByRole("link", { name: "Sign out" }).click()
      await a.waitForURL((url) => url.pathname === "/auth/signout")
      await submit(a, "Sign out")
      expect(a.url()).toBe(`${origin}/`)

      await showsWithin(b, "You are not signed in.")
      expect(await b.locator("#session-email").count()).toBe(0)
      expect(await b.getByRole("link", { name: "Sign in" }).getAttribute("href")).toBe("/auth/signin?callbackUrl=%2F")
      expect(await b.evaluate(() => Reflect.get(globalThis, "homeMark"))).toBe("still here")
      expect(requestsOfB, "the other tab heard it; it asked nothing").toEqual([])
    } finally {
      await context.close()
    }
  })

  it("without JavaScript the page is complete as rendered: the session, and the way in or out", async () => {
    const context = await ready().newContext({ javaScriptEnabled: false })
    try {
      const page = await context.newPage()
      watches.push(watch(page))
      await page.goto(`${origin}/`)
      expect(await mainText(page)).toContain("You are not signed in.")
      expect(await page.getByRole("link", { name: "Sign in" }).getAttribute("href")).toBe("/auth/signin?callbackUrl=%2F")
    } finally {
      await context.close()
    }
  })

  it("the script is allowed by the page's CSP and logs nothing: no console errors or failed requests", () => {
    ready()
    expect(watches.flatMap((w) => w.problems())).toEqual([])
  })
})
