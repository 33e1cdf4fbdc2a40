/**
 * `authfx/client/react` in Chromium: a small page (pages/reactPage.tsx, bundled by esbuild with React 19 from
 * node_modules, development build, StrictMode) using `SessionProvider` and `useSession` against the authfx
 * demo server.
 */
import type { Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { watch, type Watch } from "../support/chromium.ts"
import { browserRig } from "./browserRig.ts"
import type { PageOptions, ReactGlobal } from "./pages/handle.ts"
import { account, startAuthfx } from "./servers.ts"

const { ready, newContext } = browserRig(async () => ({ server: await startAuthfx() }), ({ server }) => server.stop())
const watches: Array<Watch> = []

const open = async (query: Readonly<Record<string, string>>) => {
  const { server } = ready()
  const context = await newContext()
  const page = await context.newPage()
  watches.push(watch(page))
  const url = `${server.front.origin}/__test/react?${new URLSearchParams({ base: server.basePath, ...query })}`
  await page.goto(url)
  return { page, url }
}

const statusesOf = (page: Page) => page.evaluate(() => [...(globalThis as unknown as ReactGlobal).__react.statuses])
const shown = async (page: Page, selector: string, text: string) => {
  await page.waitForFunction(([s, t]) => document.querySelector(s!)?.textContent === t, [selector, text] as const, { polling: 20 })
}
const signIn = (page: Page, options: PageOptions) =>
  page.evaluate((o) => (globalThis as unknown as ReactGlobal).__react.signIn(o), options)
const credentials = { username: account.username, password: account.password }

describe("SessionProvider and useSession", () => {
  it("status goes loading → unauthenticated → authenticated → unauthenticated; update() re-renders with the new session", async () => {
    const { server } = ready()
    server.front.reset()
    const { page } = await open({ mode: "status" })
    await shown(page, "#status", "unauthenticated")
    expect(await statusesOf(page)).toEqual(["loading", "unauthenticated"])
    expect(server.front.count("GET", `${server.basePath}/session`), "StrictMode subscribes twice; the store reads once").toBe(1)

    await signIn(page, credentials)
    await shown(page, "#status", "authenticated")
    expect(await page.locator("#name").textContent()).toBe(account.username)

    await page.evaluate(() => (globalThis as unknown as ReactGlobal).__react.update({ name: "Grace Hopper" }))
    await shown(page, "#name", "Grace Hopper")

    await page.evaluate(() => (globalThis as unknown as ReactGlobal).__react.signOut())
    await shown(page, "#status", "unauthenticated")
    expect(await statusesOf(page)).toEqual(["loading", "unauthenticated", "authenticated", "unauthenticated"])
  })

  it("a session given to the provider (as a server-rendered page has it) shows at once, with no request", async () => {
    const { server } = ready()
    const session = { user: { name: "Ada", email: "ada@example.com", image: null }, expires: new Date(Date.now() + 60_000).toISOString() }
    server.front.reset()
    const { page } = await open({ mode: "status", session: JSON.stringify(session) })
    await shown(page, "#status", "authenticated")
    expect(await page.locator("#name").textContent()).toBe("Ada")
    expect((await statusesOf(page))[0]).toBe("authenticated")
    await page.waitForTimeout(200)
    expect(server.front.count("GET", `${server.basePath}/session`)).toBe(0)
  })

  it("required + onUnauthenticated: signed out, the status stays loading and onUnauthenticated is called; signed in, authenticated", async () => {
    const { page } = await open({ mode: "required" })
    await page.waitForFunction(() => (globalThis as unknown as ReactGlobal).__react.turnedAway > 0, null, { polling: 20 })
    expect(await statusesOf(page)).toEqual(["loading"])
    expect(page.url()).toContain("/__test/react")

    await signIn(page, credentials)
    await shown(page, "#status", "authenticated")
    expect(await statusesOf(page)).toEqual(["loading", "authenticated"])
  })

  it("required without onUnauthenticated: signed out, the page goes to the sign-in page with error=SessionRequired and itself as callbackUrl", async () => {
    const { server } = ready()
    const { page, url } = await open({ mode: "required-redirect" })
    await page.waitForURL((at) => at.pathname === `${server.basePath}/signin`)
    const at = new URL(page.url())
    expect(at.searchParams.get("error")).toBe("SessionRequired")
    expect(at.searchParams.get("callbackUrl")).toBe(url)
  })

  it("no console errors (React's development build warns there), uncaught exceptions or failed requests", () => {
    ready()
    expect(watches.length).toBe(4)
    expect(watches.flatMap((w) => w.problems())).toEqual([])
  })
})
