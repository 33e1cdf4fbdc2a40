import { Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as MemoryLedger from "../../src/adapters/memory/MemoryLedger.ts"
import * as MemoryUsers from "../../src/adapters/memory/MemoryUsers.ts"
import { type AuthfxApp, type AuthfxOptions, createAuth } from "../../src/compose/createAuth.ts"
import { makeSessionFastPath } from "../../src/http/session/sessionFastPath.ts"
import { Ledger } from "../../src/ports/Ledger.ts"
import { Users } from "../../src/ports/Users.ts"
import { makeBrowser } from "../support/browser.ts"
import { credentialUsers, testProviders } from "../support/memoryHarness.ts"

const origin = "http://localhost:3000"

/**
 * Two deployments over one store, one ledger and one secret: one answers GET /session before the router, one
 * does not.
 */
const pair = async (overrides: Partial<AuthfxOptions> = {}) => {
  const store = Layer.succeed(Users, Effect.runSync(MemoryUsers.make))
  const ledger = Layer.succeed(Ledger, Effect.runSync(MemoryLedger.make))
  const base: AuthfxOptions = {
    providers: testProviders,
    secret: "SAzIPvSY9aZOdYvaxDwapQtv1fgs1HhYjE4PtOWd+8/h",
    http: { url: `${origin}/auth` },
    users: store,
    ledger,
    ...overrides
  }
  const fast = await createAuth({ ...base, http: { ...base.http, fastSessionPath: true } })
  const routed = await createAuth({ ...base, http: { ...base.http, fastSessionPath: false } })
  return { fast, routed }
}

/** What a client can observe of an answer: status, the headers that matter, cookies, body. */
const observe = async (response: Response) => ({
  status: response.status,
  contentType: response.headers.get("content-type"),
  cacheControl: response.headers.get("cache-control"),
  expires: response.headers.get("expires"),
  pragma: response.headers.get("pragma"),
  setCookie: response.headers.getSetCookie(),
  body: await response.text()
})

/** The fast path as the app built it (null when the configuration leaves everything to the router). */
const fastPathOf = (app: AuthfxApp) => app.runtime.runPromise(makeSessionFastPath)

const both = async (apps: { fast: AuthfxApp; routed: AuthfxApp }, cookie: string | null, path = "/auth/session") => {
  const request = () => new Request(`${origin}${path}`, { headers: cookie === null ? {} : { cookie } })
  return { fast: await observe(await apps.fast.handler(request())), routed: await observe(await apps.routed.handler(request())) }
}

const signIn = async (app: AuthfxApp) => {
  const browser = makeBrowser(app.handler, origin)
  const csrfToken = await browser.csrfToken()
  await browser.post("/auth/callback/credentials", { csrfToken, username: "ada", password: credentialUsers["ada"]!.password })
  return { browser, cookie: `authjs.session-token=${browser.cookies.get("authjs.session-token")}` }
}

describe("GET /session answered before the router gives exactly what the router gives", () => {
  let apps: Awaited<ReturnType<typeof pair>>
  beforeAll(async () => {
    apps = await pair()
  })
  afterAll(async () => {
    await apps.fast.dispose()
    await apps.routed.dispose()
  })

  it.each([
    ["no cookie", null],
    ["an unrelated cookie", "theme=dark"],
    ["a garbage session cookie", "authjs.session-token=garbage"],
    ["a tampered token", "authjs.session-token=eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA"],
    ["a chunked cookie", "authjs.session-token.0=abc; authjs.session-token.1=def"]
  ])("%s", async (_name, cookie) => {
    const { fast, routed } = await both(apps, cookie)
    expect(fast).toEqual(routed)
  })

  it("a valid session, first and returning; then signed out (revoked) for both", async () => {
    const { browser, cookie } = await signIn(apps.routed)
    // The fast app really answers this one itself; the routed one has no fast path at all.
    expect((await fastPathOf(apps.fast))?.answer("GET", "/auth/session", cookie)?.status).toBe(200)
    expect(await fastPathOf(apps.routed)).toBeNull()
    for (let i = 0; i < 3; i++) {
      const { fast, routed } = await both(apps, cookie)
      expect(fast).toEqual(routed)
      expect(JSON.parse(fast.body)).toMatchObject({ user: { email: "ada@example.com" } })
    }
    await browser.post("/auth/signout", { csrfToken: await browser.csrfToken() })
    const { fast, routed } = await both(apps, cookie)
    expect(fast).toEqual(routed)
    expect(fast.body).toBe("null")
  })

  it("other paths and methods are left to the router", async () => {
    const { cookie } = await signIn(apps.routed)
    for (const path of ["/auth/session?x=1", "/auth/sessions", "/auth/session/", "/auth/csrf"]) {
      const { fast, routed } = await both(apps, cookie, path)
      expect({ ...fast, setCookie: fast.setCookie.map((c) => c.split("=")[0]) })
        .toEqual({ ...routed, setCookie: routed.setCookie.map((c) => c.split("=")[0]), body: path === "/auth/csrf" ? fast.body : routed.body })
    }
  })
})

describe("database sessions answered before the router give exactly what the router gives", () => {
  it("a valid session, first and returning; then signed out (the row deleted) for both", async () => {
    const apps = await pair({ session: { strategy: "database" } })
    try {
      const { browser, cookie } = await signIn(apps.routed)
      expect((await fastPathOf(apps.fast))?.answer("GET", "/auth/session", cookie)?.status).toBe(200)
      for (let i = 0; i < 3; i++) {
        const { fast, routed } = await both(apps, cookie)
        expect(fast).toEqual(routed)
        expect(JSON.parse(fast.body)).toMatchObject({ user: { email: "ada@example.com" } })
      }
      for (const garbage of ["authjs.session-token=short", "authjs.session-token=" + "x".repeat(43)]) {
        const { fast, routed } = await both(apps, garbage)
        expect(fast).toEqual(routed)
      }
      await browser.post("/auth/signout", { csrfToken: await browser.csrfToken() })
      expect((await fastPathOf(apps.fast))?.answer("GET", "/auth/session", cookie)).toBeNull()
      const { fast, routed } = await both(apps, cookie)
      expect(fast).toEqual(routed)
      expect(fast.body).toBe("null")
    } finally {
      await apps.fast.dispose()
      await apps.routed.dispose()
    }
  })
})

describe("configurations the fast path leaves to the router", () => {
  it.each([
    ["a session callback", { callbacks: { session: ({ session }) => ({ ...session, extra: 1 }) } }],
    ["a jwt callback", { callbacks: { jwt: ({ token }) => ({ ...token, extra: 1 }) } }],
    ["renewal on every read", { session: { updateAge: 0 } }],
    ["database sessions with a session callback", { session: { strategy: "database" }, callbacks: { session: ({ session }) => session } }],
    ["database sessions renewed on every read", { session: { strategy: "database", updateAge: 0 } }]
  ] satisfies ReadonlyArray<readonly [string, Partial<AuthfxOptions>]>)("%s: same answers", async (_name, overrides) => {
    const apps = await pair(overrides)
    try {
      const { cookie } = await signIn(apps.routed)
      const fastPath = await fastPathOf(apps.fast)
      expect(fastPath === null || fastPath.answer("GET", "/auth/session", cookie) === null).toBe(true)
      const { fast, routed } = await both(apps, cookie)
      expect(fast.status).toBe(routed.status)
      expect(JSON.parse(fast.body)?.user).toEqual(JSON.parse(routed.body)?.user)
      expect(fast.setCookie.length).toBe(routed.setCookie.length)
    } finally {
      await apps.fast.dispose()
      await apps.routed.dispose()
    }
  })
})
