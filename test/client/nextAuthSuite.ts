/**
 * The real `next-auth/react` — next-auth 5 (beta) or next-auth 4, as published, unpatched — in Chromium against
 * authfx at `/auth` (nextAuthServer.ts: the demo, the page bundled from the package on the same origin, magic
 * links through a real SMTP server). Every function of the client the issue names, in one strategy;
 * nextAuthV5.test.ts and nextAuthV4.test.ts run it in both.
 */
import type { BrowserContext, Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { watch, type Watch } from "../support/chromium.ts"
import { startSmtpPeer } from "../support/smtpPeer.ts"
import { browserRig } from "./browserRig.ts"
import { locked, type NextAuthCase, startNextAuthServer } from "./nextAuthServer.ts"
import type { NextAuthGlobal, PageGlobal, PageOptions } from "./pages/handle.ts"
import { account } from "./servers.ts"
import { switchAwayAndBack } from "./switchAwayAndBack.ts"

export const nextAuthSuite = ({ version, strategy }: NextAuthCase) =>
describe(`next-auth ${version}'s next-auth/react against authfx (${strategy} sessions)`, () => {
  const { ready, newContext } = browserRig(async () => {
    const smtp = await startSmtpPeer()
    const server = await startNextAuthServer({ version, strategy }, smtp).catch(async (error: unknown) => {
      await smtp.close()
      throw error
    })
    return { server, smtp }
  }, async ({ server, smtp }) => {
    await server.stop()
    await smtp.close()
  })
  const watches: Array<Watch> = []

  const pageUrl = (query: Readonly<Record<string, string>> = {}) =>
    `${ready().server.front.origin}/__test/nextauth?${new URLSearchParams({ base: "/auth", ...query })}`

  const count = (method: string, path: string) => ready().server.front.count(method, path)

  /** Until no request has reached the server for 200 ms: the tabs are done reading. */
  const quiet = async () => {
    for (let seen = -1; seen !== ready().server.front.requests().length;) {
      seen = ready().server.front.requests().length
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }

  const settled = (page: Page) =>
    page.waitForFunction(() => {
      const handle = (globalThis as unknown as Partial<NextAuthGlobal>).__nextauth
      return handle !== undefined && !["none", "loading"].includes(handle.state().status)
    }, null, { polling: 20 })

  /** A tab on the test page, settled (no longer "loading"); its problems are watched unless `unwatched`. */
  const openTab = async (context: BrowserContext, query: Readonly<Record<string, string>> = {}, unwatched = false) => {
    const page = await context.newPage()
    const watched = watch(page)
    if (!unwatched) watches.push(watched)
    await page.goto(pageUrl(query))
    await settled(page)
    return { page, watched }
  }

  const handleOf = (page: Page) => ({
    state: () => page.evaluate(() => (globalThis as unknown as NextAuthGlobal).__nextauth.state()),
    statuses: () => page.evaluate(() => [...(globalThis as unknown as NextAuthGlobal).__nextauth.statuses]),
    signIn: (provider: string, options: PageOptions) =>
      page.evaluate(([p, o]) => (globalThis as unknown as NextAuthGlobal).__nextauth.signIn(p, o), [provider, options] as const),
    signOut: (options: PageOptions) => page.evaluate((o) => (globalThis as unknown as NextAuthGlobal).__nextauth.signOut(o), options),
    update: (data: unknown) => page.evaluate((d) => (globalThis as unknown as NextAuthGlobal).__nextauth.update(d), data),
    getSession: () => page.evaluate(() => (globalThis as unknown as NextAuthGlobal).__nextauth.getSession()),
    getCsrfToken: () => page.evaluate(() => (globalThis as unknown as NextAuthGlobal).__nextauth.getCsrfToken()),
    getProviders: () => page.evaluate(() => (globalThis as unknown as NextAuthGlobal).__nextauth.getProviders())
  })

  /** Waits until the tab renders `status` (and, if given, the user's name). */
  const shows = async (page: Page, status: string, name?: string) => {
    await page.waitForFunction(([s, n]) => {
      const state = (globalThis as unknown as NextAuthGlobal).__nextauth.state()
      return state.status === s && (n === undefined || state.data?.user?.name === n)
    }, [status, name] as const, { polling: 20 }).catch(async (error: unknown) => {
      throw new Error(`the tab did not show ${status} ${name ?? ""}; it shows ${JSON.stringify(await handleOf(page).state())}`, { cause: error })
    })
  }

  /**
   * next-auth 4 tells the other tabs through localStorage (`nextauth.message`) with a timestamp in seconds: a
   * message equal to the last one — the same kind within the same second — changes nothing, so no tab hears it.
   * Before a step whose message must be heard, wait for the second of the last one to pass (next-auth 5 uses a
   * BroadcastChannel and never writes the key).
   */
  const nextMessageHeard = (page: Page) =>
    page.waitForFunction(() => {
      const last = localStorage.getItem("nextauth.message")
      return last === null || (JSON.parse(last) as { readonly timestamp: number }).timestamp < Math.floor(Date.now() / 1000)
    }, null, { polling: 50 })

  const credentials = { username: account.username, password: account.password }

  /** A signed-in tab: credentials sign-in with `redirect: false`, as an application's own form does. */
  const signedIn = async (context: BrowserContext) => {
    const tab = await openTab(context)
    await handleOf(tab.page).signIn("credentials", { ...credentials, redirect: false })
    await shows(tab.page, "authenticated")
    return tab
  }

  /** What `signIn(…, { redirect: false })` answers: next-auth 5 adds the error's `code`; 4 says null for none. */
  const signInResult = (error: string | undefined, code: string | undefined, url: string | null) =>
    version === 5
      ? { error, code, status: 200, ok: true, url }
      : { error: error ?? null, status: 200, ok: true, url }

  it("SessionProvider basePath=\"/auth\": useSession goes loading → unauthenticated, reading /auth/session, with nothing logged", async () => {
    const { server } = ready()
    server.front.reset()
    const { page, watched } = await openTab(await newContext())
    expect(await handleOf(page).statuses()).toEqual(["loading", "unauthenticated"])
    expect(await handleOf(page).state()).toEqual({ status: "unauthenticated", data: null })
    expect(count("GET", "/auth/session"), `requests: ${server.front.requests().join(", ")}`).toBeGreaterThan(0)
    await page.waitForTimeout(200)
    expect(watched.problems(), "no console error (next-auth 4 logs one on a signed-out `null`)").toEqual([])
    expect(count("POST", "/auth/_log"), "the client reported no error to the server").toBe(0)
  })

  it("getCsrfToken and getProviders speak authfx's API at /auth", async () => {
    const { server } = ready()
    const { page } = await openTab(await newContext())
    expect(await handleOf(page).getCsrfToken()).toMatch(/^[0-9a-f]{64}$/)
    const base = `${server.front.origin}/auth`
    expect(await handleOf(page).getProviders()).toEqual({
      email: { id: "email", name: "Email", type: "email", signinUrl: `${base}/signin/email`, callbackUrl: `${base}/callback/email` },
      credentials: {
        id: "credentials",
        name: "Demo account",
        type: "credentials",
        signinUrl: `${base}/signin/credentials`,
        callbackUrl: `${base}/callback/credentials`
      },
      // The demo offers passkeys (DEMO_PASSKEYS defaults to on); Auth.js lists a WebAuthn provider the same way.
      passkey: { id: "passkey", name: "Passkey", type: "webauthn", signinUrl: `${base}/signin/passkey`, callbackUrl: `${base}/callback/passkey` }
    })
  })

  it("signIn(\"credentials\", { redirect: false }): a wrong password, then a refusal with its own code, reach the caller; then the right one signs in", async () => {
    const { server } = ready()
    const { page } = await openTab(await newContext())
    const client = handleOf(page)

    const wrong = await client.signIn("credentials", { username: account.username, password: "not the password", redirect: false })
    expect(wrong).toEqual(signInResult("CredentialsSignin", "credentials", null))
    const refused = await client.signIn("credentials", { username: locked.username, password: locked.password, redirect: false })
    // next-auth 4's client has no `code`: it reads only `error` from the URL it is given.
    expect(refused).toEqual(signInResult("CredentialsSignin", locked.code, null))
    expect(await client.state()).toEqual({ status: "unauthenticated", data: null })

    const callbackUrl = `${server.front.origin}/after-sign-in`
    const right = await client.signIn("credentials", { ...credentials, redirect: false, callbackUrl })
    expect(right).toEqual(signInResult(undefined, undefined, callbackUrl))
    await shows(page, "authenticated", account.username)
    expect((await client.state()).data?.user?.email).toBe(account.email)
    expect(await client.statuses()).toEqual(["loading", "unauthenticated", "authenticated"])
  })

  it.runIf(version === 5)("authfx's own client (authfx/client) answers signIn(\"credentials\") exactly as next-auth 5 does", async () => {
    const context = await newContext()
    const { page } = await openTab(context)
    const own = await context.newPage()
    watches.push(watch(own))
    await own.goto(`${ready().server.front.origin}/__test/client?base=/auth`)
    const attempts: ReadonlyArray<PageOptions> = [
      { username: account.username, password: "not the password", redirect: false },
      { username: locked.username, password: locked.password, redirect: false },
      { ...credentials, redirect: false, callbackUrl: `${ready().server.front.origin}/after-sign-in` }
    ]
    for (const attempt of attempts) {
      const theirs = await handleOf(page).signIn("credentials", attempt)
      const ours = await own.evaluate((o) => (globalThis as unknown as PageGlobal).__authfx.signIn("credentials", o), attempt)
      expect(ours).toEqual(theirs)
    }
  })

  it("update(data) goes through POST /session; the tab and the other tab show the new session", async () => {
    const context = await newContext()
    const a = await signedIn(context)
    const b = await openTab(context)
    await shows(b.page, "authenticated", account.username)
    await nextMessageHeard(a.page)
    ready().server.front.reset()

    const updated = await handleOf(a.page).update({ name: "Grace Hopper" })
    expect((updated as { readonly user?: { readonly name?: unknown } } | null)?.user?.name).toBe("Grace Hopper")
    expect(count("POST", "/auth/session")).toBe(1)
    await shows(a.page, "authenticated", "Grace Hopper")
    await shows(b.page, "authenticated", "Grace Hopper")
    const read = await handleOf(b.page).getSession()
    expect((read as { readonly user?: { readonly name?: unknown } } | null)?.user?.name, "the server kept it").toBe("Grace Hopper")
  })

  it("signOut({ redirect: false }): { url }, this tab and the other are signed out, and the server ended the session", async () => {
    const { server } = ready()
    const context = await newContext()
    const a = await signedIn(context)
    const b = await openTab(context)
    await shows(b.page, "authenticated")

    const callbackUrl = `${server.front.origin}/after-sign-out`
    expect(await handleOf(a.page).signOut({ redirect: false, callbackUrl })).toEqual({ url: callbackUrl })
    await shows(a.page, "unauthenticated")
    await shows(b.page, "unauthenticated")
    expect(await handleOf(b.page).getSession()).toBeNull()
  })

  it("signIn(\"email\", { redirect: false }): the check-your-mail URL; the mailed link signs the browser in", async () => {
    const { server, smtp } = ready()
    const { page } = await openTab(await newContext())
    const address = `reader-${version}-${strategy}@client.example`
    const landing = pageUrl({ landed: "email" })
    const sent = await handleOf(page).signIn("email", { email: address, redirect: false, callbackUrl: landing })
    expect(sent).toEqual(signInResult(undefined, undefined, `${server.front.origin}/auth/verify-request?provider=email&type=email`))

    const mail = await smtp.waitFor(address)
    const link = (mail.text ?? "").split("\n").map((line) => line.trim()).find((line) => line.startsWith("http"))
    expect(link?.startsWith(`${server.front.origin}/auth/callback/email?`), mail.text).toBe(true)
    await page.goto(link!)
    expect(page.url()).toBe(landing)
    await settled(page)
    // A page loaded signed in: useSession goes loading → authenticated.
    expect(await handleOf(page).statuses()).toEqual(["loading", "authenticated"])
    expect((await handleOf(page).state()).data?.user?.email).toBe(address)
  })

  it("refetch on focus: a signed-in tab that becomes visible reads the session, sees it ended behind its back, and tells the other tab", async () => {
    const context = await newContext()
    const a = await signedIn(context)
    const b = await openTab(context, { focus: "0" })
    await shows(b.page, "authenticated")
    // A read still under way would set the (renewed) cookie again after it is cleared.
    await quiet()
    await context.clearCookies()
    ready().server.front.reset()

    await switchAwayAndBack(b.page, true)
    await b.page.waitForTimeout(200)
    expect(count("GET", "/auth/session"), "refetchOnWindowFocus={false}: no read").toBe(0)
    expect((await handleOf(b.page).state()).status).toBe("authenticated")

    await nextMessageHeard(a.page)
    await switchAwayAndBack(a.page, true)
    await shows(a.page, "unauthenticated")
    await shows(b.page, "unauthenticated")
  })

  it.runIf(version === 4)("a client error goes to /auth/_log (NEXTAUTH_URL's path), which takes it with a 204 and sets nothing", async () => {
    const { page, watched } = await openTab(await newContext(), {}, true)
    // An API that fails once: next-auth 4 logs CLIENT_FETCH_ERROR in the console and posts it to the server.
    await page.route("**/auth/providers", (route) =>
      route.fulfill({ status: 503, contentType: "application/json", body: "{\"error\":\"ServiceUnavailable\"}" }))
    const reported = page.waitForResponse((response) => new URL(response.url()).pathname === "/auth/_log")
    expect(await handleOf(page).getProviders()).toBeNull()
    const answer = await reported
    expect(answer.request().method()).toBe("POST")
    expect(answer.status()).toBe(204)
    expect(await answer.headerValue("set-cookie")).toBeNull()
    await page.waitForTimeout(200)
    expect(watched.problems().filter((problem) => problem.url.includes("/_log")), "the report itself went through").toEqual([])
    expect(watched.problems().map((problem) => problem.kind).sort()).toEqual(["console", "console", "response"])
  })

  it("no console errors, uncaught exceptions, failed requests or answers of 400 and more on any page", () => {
    ready()
    expect(watches.length).toBeGreaterThan(8)
    expect(watches.flatMap((w) => w.problems())).toEqual([])
  })
})
