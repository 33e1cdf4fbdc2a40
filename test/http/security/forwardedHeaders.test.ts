import { Effect, Exit, Layer, Option, Redacted, Scope } from "effect"
import { HttpRouter } from "effect/http"
import { NodeHttpServer } from "@effect/platform-node"
import { createServer } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { authHttpApp } from "../../../src/compose/authHttpApp.ts"
import { createAuth } from "../../../src/compose/createAuth.ts"
import { resolveHttpOptions } from "../../../src/http/HttpOptions.ts"
import type { Browser } from "../../support/browser.ts"
import { startAuth, testSecret } from "../../support/httpHarness.ts"
import { profile, testProviders } from "../../support/memoryHarness.ts"

/**
 * Behind proxies that append to X-Forwarded-Host / X-Forwarded-Proto, the leftmost entries are whatever
 * the client sent: the origin is read from the right, from the entry our outermost trusted proxy added.
 * Links that go into e-mail never come from these headers at all, only from the configured URL.
 */

/** Without an e-mail provider, trustHost without a URL is allowed: no link ever goes into a mail. */
const noEmail = testProviders.filter((provider) => provider.type !== "email")

let oneProxy: Awaited<ReturnType<typeof startAuth>>
let twoProxies: typeof oneProxy
let configured: typeof oneProxy
beforeAll(async () => {
  oneProxy = await startAuth({ providers: noEmail, http: { trustHost: true } })
  twoProxies = await startAuth({ providers: noEmail, http: { trustHost: true, trustedProxies: 2 } })
  configured = await startAuth({ http: { url: "https://app.example.com/auth", trustHost: true } })
})
afterAll(async () => {
  await Promise.all([oneProxy, twoProxies, configured].map((started) => started?.auth.dispose()))
})

let serial = 0
const unique = () => `proxy-${++serial}`

/** A browser behind the proxy chain: every request carries the same forwarded headers, as a proxy adds them. */
const behind = (b: Browser, forwarded: Record<string, string>, publicOrigin: string) => ({
  csrfToken: async () => ((await (await b.get("/auth/csrf", forwarded)).json()) as { csrfToken: string }).csrfToken,
  get: (path: string) => b.get(path, forwarded),
  post: (path: string, form: Record<string, string>) => b.post(path, form, { ...forwarded, origin: publicOrigin })
})

describe("the proxy chain is read from the right (trustHost, no url)", () => {
  const spoofed = { "x-forwarded-host": "evil.example, app.example.com", "x-forwarded-proto": "http, https" }

  it("the OAuth redirect_uri and the redirect after the callback use the entry our proxy added", async () => {
    const t = oneProxy
    const b = behind(t.browser(), spoofed, "https://app.example.com")
    const started = await b.post("/auth/signin/github", { csrfToken: await b.csrfToken(), callbackUrl: "/after" })
    expect(started.status).toBe(302)
    const authorize = new URL(started.headers.get("location")!)
    expect(authorize.searchParams.get("redirect_uri")).toBe("https://app.example.com/auth/callback/github")

    const id = unique()
    const params = await t.approve(authorize.href, profile(id, `${id}@example.com`, true))
    const back = await b.get(`/auth/callback/github?${new URLSearchParams(params)}`)
    expect(back.status).toBe(302)
    expect(back.headers.get("location")).toBe("https://app.example.com/after")
  })

  it("a credentials sign-in redirects to the trusted origin, and a POST naming the spoofed origin is refused", async () => {
    const t = oneProxy
    const b = behind(t.browser(), spoofed, "https://app.example.com")
    const csrfToken = await b.csrfToken()
    const signedIn = await b.post("/auth/callback/credentials", { csrfToken, username: "ada", password: "correct horse", callbackUrl: "/dashboard" })
    expect(signedIn.status).toBe(302)
    expect(signedIn.headers.get("location")).toBe("https://app.example.com/dashboard")

    // The page the attacker named is not our origin: its Origin header does not pass the CSRF check.
    const forged = behind(t.browser(), spoofed, "http://evil.example")
    const refused = await forged.post("/auth/callback/credentials", {
      csrfToken: await forged.csrfToken(),
      username: "ada",
      password: "correct horse"
    })
    expect(refused.status).toBe(302)
    expect(refused.headers.get("location")).toBe("https://app.example.com/auth/signin?error=MissingCSRF")
  })

  it("trustedProxies: 2 takes the second entry from the right; a shorter header, its leftmost", async () => {
    const t = twoProxies
    const two = behind(
      t.browser(),
      { "x-forwarded-host": "evil.example, app.example.com, internal.lan:8080", "x-forwarded-proto": "http, https, http" },
      "https://app.example.com"
    )
    const viaTwo = await two.post("/auth/signin/github", { csrfToken: await two.csrfToken() })
    expect(new URL(viaTwo.headers.get("location")!).searchParams.get("redirect_uri"))
      .toBe("https://app.example.com/auth/callback/github")

    // Only one proxy added an entry here (the other overwrote nothing): every entry is one of ours.
    const one = behind(t.browser(), { "x-forwarded-host": "app.example.com", "x-forwarded-proto": "https" }, "https://app.example.com")
    const viaOne = await one.post("/auth/signin/github", { csrfToken: await one.csrfToken() })
    expect(new URL(viaOne.headers.get("location")!).searchParams.get("redirect_uri"))
      .toBe("https://app.example.com/auth/callback/github")
  })

  it("an empty entry where our proxy's should be is a bad request, not a fall back to a client-sent entry", async () => {
    const t = oneProxy
    const response = await t.browser().get("/auth/csrf", { "x-forwarded-host": "evil.example, " })
    expect(response.status).toBe(400)
  })
})

describe("http.trustedProxies", () => {
  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "2" as unknown as number])("refuses %j at start-up", async (trustedProxies) => {
    await expect(startAuth({ providers: noEmail, http: { trustHost: true, trustedProxies } })).rejects.toMatchObject({
      _tag: "HttpOptionsInvalid",
      message: expect.stringContaining("trustedProxies must be a whole number of at least 1")
    })
  })

  it("defaults to 1 with trustHost, to none without", () => {
    const resolved = (options: Parameters<typeof resolveHttpOptions>[0]) => Effect.runSync(resolveHttpOptions(options)).trustedProxies
    expect(resolved({ trustHost: true })).toBe(1)
    expect(resolved({ trustHost: true, trustedProxies: 3 })).toBe(3)
    expect(resolved({ url: "https://app.example.com/auth" })).toBe(0)
  })
})

describe("links that go into e-mail are built from the configured URL", () => {
  it("POST /signin/email behind a proxy chain naming evil.example mails a link to AUTH_URL's origin", async () => {
    const t = configured
    const b = behind(t.browser(), { "x-forwarded-host": "evil.example, app.example.com", "x-forwarded-proto": "https" }, "https://app.example.com")
    const to = `${unique()}@example.com`
    const sent = await b.post("/auth/signin/email", { csrfToken: await b.csrfToken(), email: to, callbackUrl: "/inbox" })
    expect(sent.status).toBe(302)
    const mail = Option.getOrThrow(await Effect.runPromise(t.outbox.latestTo(to)))
    const text = Redacted.value(mail.text)
    const link = new URL(text.split("\n").find((line) => line.startsWith("http"))!)
    expect(link.origin).toBe("https://app.example.com")
    expect(link.pathname).toBe("/auth/callback/email")
    expect(text).not.toContain("evil.example")
    expect(Redacted.value(mail.html)).not.toContain("evil.example")
    expect(mail.subject).toBe("Sign in to app.example.com")
  })

  it("createAuth with an e-mail provider, trustHost and no url does not start, and says to set AUTH_URL / http.url", async () => {
    const starting = createAuth({ providers: testProviders, secret: testSecret, http: { trustHost: true } })
    await expect(starting).rejects.toMatchObject({ _tag: "HttpOptionsInvalid" })
    await expect(starting).rejects.toThrow(/AUTH_URL/)
    await expect(starting).rejects.toThrow(/http\.url/)
  })

  it("authHttpApp with an e-mail provider, trustHost and no url does not start either", async () => {
    const scope = Effect.runSync(Scope.make())
    const served = HttpRouter.serve(authHttpApp({ providers: testProviders, secret: testSecret, http: { trustHost: true } }), {
      disableLogger: true,
      disableListenLog: true
    }).pipe(Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })))
    const exit = await Effect.runPromiseExit(Layer.buildWithScope(served, scope))
    await Effect.runPromise(Scope.close(scope, Exit.void))
    expect(Exit.isFailure(exit)).toBe(true)
    expect(String(Exit.isFailure(exit) ? exit.cause : "")).toMatch(/HttpOptionsInvalid[\s\S]*AUTH_URL/)
  })
})
