/**
 * What next-auth 4's browser client needs of the server, at the HTTP level (test/client/nextAuthV4.test.ts runs
 * the client itself): a redirect asked for with the form field `json=true` comes back as `200 {"url"}`; errors
 * it posts to `/_log` are taken (204) without a token, from our origin only, and logged as one bounded line with
 * nothing the poster chose freely; a signed-out `GET /session` is `{}` with `signedOutSession: "{}"`, on the
 * fast path and the router alike, and stays `null` otherwise.
 */
import { Effect, Logger } from "effect"
import { HttpRouter } from "effect/http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { authHttpApp } from "../../src/compose/authHttpApp.ts"
import { type AuthfxApp, createAuth } from "../../src/compose/createAuth.ts"
import { HttpOptionsInvalid, resolveHttpOptions } from "../../src/http/HttpOptions.ts"
import { makeSessionFastPath } from "../../src/http/session/sessionFastPath.ts"
import { makeBrowser } from "../support/browser.ts"
import { startAuth, testSecret } from "../support/httpHarness.ts"
import { credentialUsers, testProviders } from "../support/memoryHarness.ts"

const origin = "http://localhost:3000"

let t: Awaited<ReturnType<typeof startAuth>>
beforeAll(async () => {
  t = await startAuth()
})
afterAll(() => t.auth.dispose())

const ada = { username: "ada", password: credentialUsers["ada"]!.password }

describe("json=true: a redirect comes back as { url }, as NextAuth v4 answers it", () => {
  it("credentials: a wrong password, then the right one (with the session cookie)", async () => {
    const browser = t.browser()
    const wrong = await browser.post("/auth/callback/credentials", {
      csrfToken: await browser.csrfToken(), ...ada, password: "wrong", callbackUrl: "/after", json: "true"
    })
    expect(wrong.status).toBe(200)
    expect(wrong.headers.get("location")).toBeNull()
    expect(wrong.headers.get("cache-control")).toBe("private, no-cache, no-store")
    expect(await wrong.json()).toEqual({ url: `${origin}/auth/signin?error=CredentialsSignin&code=credentials` })
    expect(await t.session(browser)).toBeNull()

    const right = await browser.post("/auth/callback/credentials", {
      csrfToken: await browser.csrfToken(), ...ada, callbackUrl: "/after", json: "true", redirect: "false"
    })
    expect(right.status).toBe(200)
    expect(await right.json()).toEqual({ url: `${origin}/after` })
    expect(right.headers.getSetCookie().some((cookie) => cookie.startsWith("authjs.session-token="))).toBe(true)
    expect(await t.session(browser)).toMatchObject({ user: { name: "Ada" } })
  })

  it("e-mail sign-in, sign-out, and a refused CSRF check", async () => {
    const browser = t.browser()
    const mailed = await browser.post("/auth/signin/email", { csrfToken: await browser.csrfToken(), email: "v4@example.com", json: "true" })
    expect(await mailed.json()).toEqual({ url: `${origin}/auth/verify-request?provider=email&type=email` })

    await t.credentialsSignIn(browser)
    const out = await browser.post("/auth/signout", { csrfToken: await browser.csrfToken(), callbackUrl: "/bye", json: "true" })
    expect(out.status).toBe(200)
    expect(await out.json()).toEqual({ url: `${origin}/bye` })
    expect(await t.session(browser)).toBeNull()

    const forged = await browser.post("/auth/signout", { csrfToken: "0".repeat(64), json: "true" })
    expect(await forged.json()).toEqual({ url: `${origin}/auth/signin?error=MissingCSRF` })
  })

  it("without json=true (or with another value) a redirect stays a 302", async () => {
    for (const extra of [{}, { json: "false" }, { json: "1" }]) {
      const browser = t.browser()
      const answer = await browser.post("/auth/callback/credentials", { csrfToken: await browser.csrfToken(), ...ada, callbackUrl: "/after", ...extra })
      expect(answer.status).toBe(302)
      expect(answer.headers.get("location")).toBe(`${origin}/after`)
    }
  })
})

describe("POST /_log", () => {
  const logged: Array<string> = []
  const collect = Logger.make(({ message }) => void logged.push([message].flat().map(String).join(" ")))
  let logApp: { readonly handler: (request: Request) => Promise<Response>; readonly dispose: () => Promise<void> }

  beforeAll(() => {
    logApp = HttpRouter.toWebHandler(authHttpApp({ providers: testProviders, secret: testSecret, http: { url: `${origin}/auth` } }), {
      disableLogger: true,
      middleware: (effect) => effect.pipe(Effect.provide(Logger.layer([collect])))
    })
  })
  afterAll(() => logApp.dispose())

  /** A report as next-auth 4's logger sends it: a form, with the browser's Origin and Fetch Metadata. */
  const report = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
    logApp.handler(new Request(`${origin}/auth/_log`, {
      method: "POST",
      body: new URLSearchParams(fields),
      headers: { origin, "sec-fetch-site": "same-origin", ...headers }
    }))

  const fetchError = {
    level: "error",
    code: "CLIENT_FETCH_ERROR",
    error: "[object Object]",
    url: "/auth/session",
    message: "Cannot convert undefined or null to object",
    client: "true"
  }

  it("takes a report from our origin without a token: 204, no cookie, one line with the code and the endpoint only", async () => {
    logged.length = 0
    const answer = await report(fetchError)
    expect(answer.status).toBe(204)
    expect(answer.headers.getSetCookie()).toEqual([])
    expect(logged).toEqual(["authfx: a next-auth client reported CLIENT_FETCH_ERROR (/auth/session)"])
  })

  it("logs nothing the poster chose freely: no message, stack, foreign URL or line break", async () => {
    logged.length = 0
    await report({
      level: "error",
      code: "CLIENT_SESSION_ERROR\nauthfx: forged line",
      message: "ada@example.com",
      stack: "Error: secret-token-123 at https://evil.example/",
      url: "https://evil.example/?email=ada@example.com"
    })
    await report({ level: "warn", code: "NEXTAUTH_URL", url: "/auth/session?email=ada@example.com" })
    expect(logged).toEqual([
      "authfx: a next-auth client reported UNKNOWN",
      "authfx: a next-auth client reported NEXTAUTH_URL"
    ])
  })

  it("refuses a cross-site post (403) and logs nothing; a body that is no report is taken and not logged", async () => {
    logged.length = 0
    expect((await report(fetchError, { origin: "https://evil.example", "sec-fetch-site": "cross-site" })).status).toBe(403)
    expect((await report(fetchError, { origin: "null", "sec-fetch-site": "cross-site" })).status).toBe(403)
    expect((await report({ level: "shout", code: "X" })).status).toBe(204)
    expect(logged).toEqual([])
  })

  it("a report larger than 16 KiB is refused (413); GET is 405 with Allow: POST", async () => {
    expect((await report({ ...fetchError, stack: "x".repeat(17 * 1024) })).status).toBe(413)
    const get = await logApp.handler(new Request(`${origin}/auth/_log`))
    expect(get.status).toBe(405)
    expect(get.headers.get("allow")).toBe("POST")
  })

  it("a flood costs at most 10 lines a minute", async () => {
    logged.length = 0
    const answers = await Promise.all(Array.from({ length: 50 }, () => report(fetchError)))
    expect(answers.every((answer) => answer.status === 204)).toBe(true)
    expect(logged.length).toBeLessThanOrEqual(10)
  })
})

describe("signedOutSession", () => {
  /** Two deployments over one configuration: one answers GET /session before the router, one does not. */
  const pair = async (signedOutSession: "null" | "{}") => {
    const options = { providers: testProviders, secret: testSecret, http: { url: `${origin}/auth`, signedOutSession } }
    const fast = await createAuth({ ...options, http: { ...options.http, fastSessionPath: true } })
    const routed = await createAuth({ ...options, http: { ...options.http, fastSessionPath: false } })
    return { fast, routed }
  }
  const bodyOf = async (app: AuthfxApp, cookie = "") =>
    (await app.handler(new Request(`${origin}/auth/session`, { headers: cookie === "" ? {} : { cookie } }))).text()

  it("\"{}\": a signed-out GET /session is {} on the fast path and on the router; signed in, the session", async () => {
    const apps = await pair("{}")
    try {
      expect(await apps.fast.runtime.runPromise(makeSessionFastPath), "the fast path is in use").not.toBeNull()
      for (const app of [apps.fast, apps.routed]) {
        expect(await bodyOf(app)).toBe("{}")
        const browser = makeBrowser(app.handler, origin)
        await browser.post("/auth/callback/credentials", { csrfToken: await browser.csrfToken(), ...ada })
        const cookie = `authjs.session-token=${browser.cookies.get("authjs.session-token")}`
        expect(JSON.parse(await bodyOf(app, cookie))).toMatchObject({ user: { name: "Ada" } })
        // Signed out, an update has no session to change either.
        const update = await makeBrowser(app.handler, origin).postJson("/auth/session", { csrfToken: "", data: {} })
        expect(await update.text()).toBe("{}")
      }
    } finally {
      await Promise.all([apps.fast.dispose(), apps.routed.dispose()])
    }
  })

  it("the default stays Auth.js v5's null", async () => {
    const apps = await pair("null")
    try {
      expect([await bodyOf(apps.fast), await bodyOf(apps.routed), await bodyOf(t.auth)]).toEqual(["null", "null", "null"])
    } finally {
      await Promise.all([apps.fast.dispose(), apps.routed.dispose()])
    }
  })

  it("anything else stops the start with HttpOptionsInvalid", async () => {
    // As a JavaScript caller, or a configuration read from elsewhere, may pass it.
    const refused = await Effect.runPromise(Effect.flip(resolveHttpOptions({ url: `${origin}/auth`, signedOutSession: "undefined" as "null" })))
    expect(refused).toBeInstanceOf(HttpOptionsInvalid)
    expect(refused.message).toContain("signedOutSession")
  })
})
