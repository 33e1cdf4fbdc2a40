/**
 * The browser client's tests, as functions of the server they run against: authfx.test.ts runs them against
 * the demo, authcore.test.ts against @auth/core. Real Chromium, several tabs (pages of one browser context,
 * so one cookie jar, as tabs of one profile), and the server's own count of the requests each change cost.
 *
 * "Within a second" is a wait of at most 1 s for the other tab, started when the acting tab's call returned.
 */
import type { Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { watch, type Watch } from "../support/chromium.ts"
import { browserRig } from "./browserRig.ts"
import type { PageGlobal, PageOptions, PageState } from "./pages/handle.ts"
import { account, type ClientServer, sessionMaxAge } from "./servers.ts"
import { switchAwayAndBack } from "./switchAwayAndBack.ts"

/** How long a tab may take to show what another tab did. */
const withinASecond = 1_000
/** After a change has shown everywhere: time for any straggling request a tab might still send. */
const settle = 200

export const clientSuite = (start: () => Promise<ClientServer>) => {
  const { ready, newContext } = browserRig(async () => ({ server: await start() }), ({ server }) => server.stop())
  const watches: Array<Watch> = []

  const pageUrl = (query: Readonly<Record<string, string>> = {}) => {
    const { server } = ready()
    return `${server.front.origin}/__test/client?${new URLSearchParams({ base: server.basePath, ...query })}`
  }

  /** A fresh profile (no cookies) with `count` tabs on the test page, each settled (not "loading"). */
  const openTabs = async (count: number, query: Readonly<Record<string, string>> = {}, withoutBroadcastChannel = false) => {
    const context = await newContext()
    if (withoutBroadcastChannel) {
      await context.addInitScript(() => {
        Reflect.deleteProperty(globalThis, "BroadcastChannel")
      })
    }
    const tabs = await Promise.all(Array.from({ length: count }, async () => {
      const page = await context.newPage()
      watches.push(watch(page))
      await page.goto(pageUrl(query))
      await settled(page)
      return page
    }))
    return { context, tabs }
  }

  const settled = (page: Page) =>
    page.waitForFunction(() => {
      const handle = (globalThis as unknown as Partial<PageGlobal>).__authfx
      return handle !== undefined && handle.state().status !== "loading"
    }, null, { polling: 20 })

  const stateOf = (page: Page): Promise<PageState> =>
    page.evaluate(() => (globalThis as unknown as PageGlobal).__authfx.state())

  const pageIdOf = (page: Page): Promise<string> => page.evaluate(() => (globalThis as unknown as PageGlobal).__authfx.pageId)

  /** Waits (at most `timeout`) until the tab's store says `status` (and, if given, the user's name). */
  const showsWithin = async (page: Page, expected: { readonly status: PageState["status"]; readonly name?: string }, timeout = withinASecond) => {
    await page.waitForFunction((wanted) => {
      const state = (globalThis as unknown as PageGlobal).__authfx.state()
      return state.status === wanted.status && (wanted.name === undefined || state.data?.user?.name === wanted.name)
    }, expected, { timeout, polling: 20 }).catch(async (error: unknown) => {
      throw new Error(`the tab did not show ${JSON.stringify(expected)} within ${timeout} ms; it shows ${JSON.stringify(await stateOf(page))}`, { cause: error })
    })
  }

  const signIn = (page: Page, options: PageOptions) =>
    page.evaluate((o) => (globalThis as unknown as PageGlobal).__authfx.signIn("credentials", o), options)

  const signInAs = (page: Page) =>
    signIn(page, { username: account.username, password: account.password, redirect: false })

  const signOut = (page: Page, options: PageOptions) =>
    page.evaluate((o) => (globalThis as unknown as PageGlobal).__authfx.signOut(o), options)

  const update = (page: Page, data: unknown) =>
    page.evaluate((d) => (globalThis as unknown as PageGlobal).__authfx.update(d), data)

  const sessionGets = () => {
    const { server } = ready()
    return server.front.count("GET", `${server.basePath}/session`)
  }

  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

  describe("the REST API", () => {
    it("getCsrfToken, getProviders and getSession speak the server's API (base path and origin as configured); a new tab reads the session once", async () => {
      const { server } = ready()
      server.front.reset()
      const { tabs: [tab] } = await openTabs(1, { origin: server.front.origin })
      expect(sessionGets(), "the store's first read").toBe(1)
      const seen = await tab!.evaluate(async () => {
        const client = (globalThis as unknown as PageGlobal).__authfx
        return { url: client.url, token: await client.getCsrfToken(), providers: await client.getProviders(), session: await client.getSession() }
      })
      const base = `${server.front.origin}${server.basePath}`
      expect(seen.url).toBe(base)
      expect(seen.token).toMatch(/^[0-9a-f]{64}$/)
      expect(seen.providers).toMatchObject({
        credentials: {
          id: "credentials",
          name: expect.any(String),
          type: "credentials",
          signinUrl: `${base}/signin/credentials`,
          callbackUrl: `${base}/callback/credentials`
        }
      })
      expect(seen.session).toBeNull()
      expect(await stateOf(tab!)).toEqual({ status: "unauthenticated", data: null })
      // The module-level functions use the default client: "/auth" on the page's origin.
      expect(await tab!.evaluate(() => (globalThis as unknown as PageGlobal).__authfx.defaults.url)).toBe("/auth")
      if (server.basePath === "/auth") {
        expect(await tab!.evaluate(() => (globalThis as unknown as PageGlobal).__authfx.defaults.getCsrfToken())).toBe(seen.token)
      }
    })

    it("signIn(redirect: false) with a wrong password: the result says CredentialsSignin, as Auth.js's client does; no session", async () => {
      const { server } = ready()
      const { tabs: [tab] } = await openTabs(1)
      server.front.reset()
      const result = await signIn(tab!, { username: account.username, password: "wrong", redirect: false })
      expect(result).toEqual({ ok: true, status: 200, error: "CredentialsSignin", code: "credentials", url: null })
      expect(sessionGets(), "a refused sign-in changes nothing, so nothing is read").toBe(0)
      expect(await stateOf(tab!)).toEqual({ status: "unauthenticated", data: null })
    })
  })

  describe("tabs in sync", () => {
    it("sign in in one tab → the other two show it within a second, from ONE session read in all", async () => {
      const { server } = ready()
      const { tabs: [a, b, c] } = await openTabs(3)
      const ids = await Promise.all([b!, c!].map(pageIdOf))
      server.front.reset()

      const result = await signIn(a!, {
        username: account.username,
        password: account.password,
        redirect: false,
        callbackUrl: `${server.front.origin}/after-sign-in`
      })
      expect(result).toEqual({ ok: true, status: 200, error: undefined, code: undefined, url: `${server.front.origin}/after-sign-in` })
      await Promise.all([b!, c!].map((tab) => showsWithin(tab, { status: "authenticated" })))
      await wait(settle)

      for (const tab of [a!, b!, c!]) expect((await stateOf(tab)).data?.user?.email).toBe(account.email)
      expect(sessionGets(), `requests: ${server.front.requests().join(", ")}`).toBe(1)
      expect(await Promise.all([b!, c!].map(pageIdOf)), "no tab reloaded").toEqual(ids)
    })

    it("update(data) in one tab → the other shows the new session within a second, with no session read at all", async () => {
      const { server } = ready()
      const { tabs: [a, b] } = await openTabs(2)
      await signInAs(a!)
      await showsWithin(b!, { status: "authenticated" })
      server.front.reset()

      const updated = await update(a!, { name: "Grace Hopper" })
      expect(updated?.user?.name).toBe("Grace Hopper")
      await showsWithin(b!, { status: "authenticated", name: "Grace Hopper" })
      await wait(settle)

      expect(server.front.count("POST", `${server.basePath}/session`)).toBe(1)
      expect(sessionGets(), `requests: ${server.front.requests().join(", ")}`).toBe(0)
      // The server kept it: a fresh read says the same.
      const read = await a!.evaluate(() => (globalThis as unknown as PageGlobal).__authfx.getSession())
      expect(read?.user?.name).toBe("Grace Hopper")
    })

    it("sign out in one tab → the other is signed out within a second, with no session read", async () => {
      const { server } = ready()
      const { tabs: [a, b] } = await openTabs(2)
      await signInAs(a!)
      await showsWithin(b!, { status: "authenticated" })
      const id = await pageIdOf(b!)
      server.front.reset()

      const result = await signOut(a!, { redirect: false, callbackUrl: `${server.front.origin}/after-sign-out` })
      expect(result).toEqual({ url: `${server.front.origin}/after-sign-out` })
      await showsWithin(b!, { status: "unauthenticated" })
      await wait(settle)

      expect(sessionGets(), `requests: ${server.front.requests().join(", ")}`).toBe(0)
      expect(await pageIdOf(b!)).toBe(id)
      const read = await b!.evaluate(() => (globalThis as unknown as PageGlobal).__authfx.getSession())
      expect(read, "the server ended the session").toBeNull()
    })

    it("without BroadcastChannel, storage events carry the session instead, and nothing stays in localStorage", async () => {
      const { server } = ready()
      const { tabs: [a, b] } = await openTabs(2, {}, true)
      expect(await a!.evaluate(() => typeof Reflect.get(globalThis, "BroadcastChannel"))).toBe("undefined")
      server.front.reset()

      await signInAs(a!)
      await showsWithin(b!, { status: "authenticated" })
      await update(a!, { name: "Amazing Grace" })
      await showsWithin(b!, { status: "authenticated", name: "Amazing Grace" })
      await signOut(a!, { redirect: false })
      await showsWithin(b!, { status: "unauthenticated" })
      await wait(settle)

      expect(sessionGets(), "only the signing-in tab read the session").toBe(1)
      for (const tab of [a!, b!]) expect(await tab.evaluate(() => localStorage.length)).toBe(0)
    })

    it("signIn and signOut with redirect (the default) go where the server says, as a form would", async () => {
      const { tabs: [a, b] } = await openTabs(2)
      // The page goes away under the call, which may then never answer: the landing page is what counts.
      const leaving = () => undefined
      const landing = pageUrl({ landed: "in" })
      await Promise.all([
        a!.waitForURL(landing),
        signIn(a!, { username: account.username, password: account.password, callbackUrl: landing }).catch(leaving)
      ])
      await settled(a!)
      expect(await stateOf(a!)).toMatchObject({ status: "authenticated" })
      // The page it landed on read the session, and told the other tab.
      await showsWithin(b!, { status: "authenticated" })

      const out = pageUrl({ landed: "out" })
      await Promise.all([a!.waitForURL(out), signOut(a!, { callbackUrl: out }).catch(leaving)])
      await settled(a!)
      expect(await stateOf(a!)).toEqual({ status: "unauthenticated", data: null })
      await showsWithin(b!, { status: "unauthenticated" })
    })
  })

  describe("staying fresh", () => {
    it("a tab that becomes visible (and focused) reads the session once, and sees what changed behind its back", async () => {
      const { server } = ready()
      const { context, tabs: [a, b] } = await openTabs(2)
      await signInAs(a!)
      await showsWithin(b!, { status: "authenticated" })
      // The session ends without any client knowing: the cookie is gone.
      await context.clearCookies()
      server.front.reset()

      await switchAwayAndBack(b!, true)
      await showsWithin(b!, { status: "unauthenticated" })
      // …and the tab that read it tells the other.
      await showsWithin(a!, { status: "unauthenticated" })
      await wait(settle)
      expect(sessionGets(), "visibilitychange and focus together: one read").toBe(1)
    })

    it("offline → online: nothing is read while offline; back online, one tab reads for all", async () => {
      const { server } = ready()
      const { context, tabs: [a, b] } = await openTabs(2)
      await signInAs(a!)
      await showsWithin(b!, { status: "authenticated" })
      await context.setOffline(true)
      await context.clearCookies()
      server.front.reset()

      await switchAwayAndBack(b!, true)
      await wait(settle)
      expect(sessionGets(), "offline: no request (it would only fail)").toBe(0)
      expect(await stateOf(b!)).toMatchObject({ status: "authenticated" })

      await context.setOffline(false)
      await Promise.all([a!, b!].map((tab) => showsWithin(tab, { status: "unauthenticated" })))
      await wait(settle)
      expect(sessionGets(), `both tabs came back online; requests: ${server.front.requests().join(", ")}`).toBe(1)
    })

    it(`keep-alive (refetchInterval: 1 s) in two tabs renews the session — its expiry and the cookie's move (maxAge ${sessionMaxAge} s) — with about one read per interval, not one per tab`, async () => {
      const { server } = ready()
      const { context, tabs: [a, b] } = await openTabs(2, { interval: "1" })
      await signInAs(a!)
      await showsWithin(b!, { status: "authenticated" })
      const expiresOf = async (tab: Page) => Date.parse((await stateOf(tab)).data?.expires ?? "")
      const cookieExpiry = async () => (await context.cookies()).find((cookie) => cookie.name === server.sessionCookie)?.expires ?? 0
      const signedIn = await expiresOf(a!)
      const firstCookie = await cookieExpiry()
      expect(signedIn - Date.now()).toBeLessThanOrEqual(sessionMaxAge * 1000)
      server.front.reset()

      await wait(2_600)
      const reads = sessionGets()
      // Two tabs each on their own would read about 5 times in 2.6 s; sharing, about 2.
      expect(reads, `requests: ${server.front.requests().join(", ")}`).toBeGreaterThanOrEqual(1)
      expect(reads).toBeLessThanOrEqual(3)
      // Both tabs have the renewed session, whichever of them read it, and so does the cookie.
      for (const tab of [a!, b!]) expect(await expiresOf(tab)).toBeGreaterThan(signedIn)
      expect(await cookieExpiry()).toBeGreaterThan(firstCookie)
    })
  })

  describe("what the browser and the server saw", () => {
    it("no console errors, uncaught exceptions, failed requests or ≥400 answers in any tab", () => {
      ready()
      expect(watches.length).toBeGreaterThan(0)
      expect(watches.flatMap((w) => w.problems())).toEqual([])
    })

    it("the server logged no error but the refused password", () => {
      const { server } = ready()
      expect(server.serverErrors().filter((type) => type !== "CredentialsSignin")).toEqual([])
    })
  })
}
