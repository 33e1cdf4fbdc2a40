import { Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { ProviderId } from "../../../src/domain/Account.ts"
import type { Email } from "../../../src/domain/User.ts"
import { TokenRotation } from "../../../src/domain/tokenRotation.ts"
import { Users } from "../../../src/ports/Users.ts"
import { type Browser, makeBrowser } from "../../support/browser.ts"
import { profile } from "../../support/memoryHarness.ts"
import { serveAuth, type ServedAuth } from "../../support/nodeAuth.ts"
import { startOtlpReceiver } from "../../support/otlpReceiver.ts"

// What a request carries about a person: none of it may leave the process in a span or a metric.
const email = "octavia.private@example.org"
const forwardedIp = "203.0.113.77"
const userAgent = "PrivateAgent/9.9 (person-identifying)"

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>
let t: ServedAuth
/** Every secret and personal value the run produced, to look for in the exports. */
const personal = new Set<string>([email, forwardedIp, userAgent, "127.0.0.1"])

/** A browser over real HTTP whose every request names a forwarded client address and a user agent. */
const browser = (): Browser =>
  makeBrowser((request) => {
    request.headers.set("x-forwarded-for", forwardedIp)
    request.headers.set("user-agent", userAgent)
    return fetch(request)
  }, t.origin)

const sessionToken = (b: Browser) => b.cookies.get("authjs.session-token")!

beforeAll(async () => {
  receiver = await startOtlpReceiver()
  t = await serveAuth({
    // Every access token counts as expiring: getAccessToken refreshes each time.
    accessTokenSkewSeconds: 7200,
    http: { trustHost: true },
    observability: {
      endpoint: receiver.endpoint,
      serviceName: "authfx-test",
      headers: { "x-collector-key": "k1" },
      encoding: "json",
      exportInterval: "1 hour"
    }
  })

  // OAuth sign-in, with a callbackUrl off our origin (refused: redirect).
  const b = browser()
  const start = await b.post("/auth/signin/github", { csrfToken: await b.csrfToken(), callbackUrl: "https://evil.example/x" })
  const params = await t.approve(start.headers.get("location")!, profile("gh-private-42", email, true))
  for (const value of Object.values(params)) personal.add(value)
  expect((await b.get(`/auth/callback/github?${new URLSearchParams(params)}`)).status).toBe(302)
  personal.add(sessionToken(b))
  const user = Option.getOrThrow(
    await t.auth.runtime.runPromise(Users.use((store) => store.getUserByEmail(email as Email)))
  )
  personal.add(user.id)

  // Session checks: the fast path answers (hit).
  expect(await (await b.get("/auth/session")).json()).toMatchObject({ user: { email } })
  expect((await b.get("/auth/session")).status).toBe(200)

  // Token refresh (rotation) through the app's runtime.
  await t.auth.runtime.runPromise(TokenRotation.use((rotation) => rotation.getAccessToken(user.id, "github" as ProviderId)))

  // Link and unlink: link google to this user, then unlink it.
  const link = await b.post("/auth/link/google", { csrfToken: await b.csrfToken() })
  const linkParams = await t.approve(link.headers.get("location")!, profile("google-private-7", email, true))
  for (const value of Object.values(linkParams)) personal.add(value)
  await b.get(`/auth/callback/google?${new URLSearchParams(linkParams)}`)
  expect((await b.post("/auth/unlink/google", { csrfToken: await b.csrfToken() })).status).toBe(200)

  // A POST without a CSRF token (refused: csrf), then sign-out; the copied cookie is refused after it (revoked).
  expect((await b.post("/auth/signout", {})).status).toBe(302)
  const copied = sessionToken(b)
  expect((await b.post("/auth/signout", { csrfToken: await b.csrfToken() })).status).toBe(302)
  const thief = browser()
  thief.cookies.set("authjs.session-token", copied)
  expect(await (await thief.get("/auth/session")).json()).toBeNull()

  // E-mail sign-in: the request and the link.
  const e = browser()
  await e.post("/auth/signin/email", { csrfToken: await e.csrfToken(), email })
  const magic = await t.mailedLink(email)
  personal.add(new URL(magic, t.origin).searchParams.get("token")!)
  expect((await e.get(magic)).status).toBe(302)
  personal.add(sessionToken(e))

  // Credentials: a wrong password, then the right one.
  const c = browser()
  await c.post("/auth/callback/credentials", { csrfToken: await c.csrfToken(), username: "ada", password: "wrong" })
  await c.post("/auth/callback/credentials", { csrfToken: await c.csrfToken(), username: "ada", password: "correct horse" })
  personal.add(sessionToken(c))
  personal.add("ada@example.com")

  // A provider id that is someone's address: the path is the client's to write.
  expect((await c.post(`/auth/signin/${encodeURIComponent(email)}`, { csrfToken: await c.csrfToken() })).status).toBe(404)

  // Closing the app flushes both exporters.
  await t.close()
}, 60_000)

afterAll(() => receiver.close())

describe("OTLP export (a receiver of the test's own on 127.0.0.1)", () => {
  it("sends traces and metrics as JSON to <endpoint>/v1/traces and /v1/metrics, with the configured headers", () => {
    const paths = new Set(receiver.exports.map((e) => e.path))
    expect(paths).toEqual(new Set(["/v1/traces", "/v1/metrics"]))
    for (const e of receiver.exports) {
      expect(e.contentType).toMatch(/^application\/json/)
      expect(e.headers["x-collector-key"]).toBe("k1")
    }
    const resource = JSON.parse(receiver.exports[0]!.body.toString("utf8"))
    expect(JSON.stringify(resource)).toContain("authfx-test")
  })

  it("traces every flow as a span with its provider, strategy and outcome", () => {
    const spans = receiver.spans()
    const find = (name: string, attributes: Record<string, unknown>) =>
      spans.find((s) => s.name === name && Object.entries(attributes).every(([k, v]) => s.attributes[k] === v))
    expect(find("authfx.signIn", { "authfx.provider": "github", "authfx.provider_type": "oauth", "authfx.outcome": "success" })).toBeDefined()
    expect(find("authfx.callback", { "authfx.provider": "github", "authfx.outcome": "success", "authfx.strategy": "jwt" })).toBeDefined()
    expect(find("authfx.signIn", { "authfx.provider": "email", "authfx.provider_type": "email", "authfx.outcome": "success" })).toBeDefined()
    expect(find("authfx.callback", { "authfx.provider": "email", "authfx.outcome": "success" })).toBeDefined()
    expect(find("authfx.callback", { "authfx.provider": "credentials", "authfx.outcome": "CredentialsSignin" })).toBeDefined()
    expect(find("authfx.callback", { "authfx.provider": "credentials", "authfx.outcome": "success" })).toBeDefined()
    expect(find("authfx.signOut", { "authfx.outcome": "MissingCSRF" })).toBeDefined()
    expect(find("authfx.signOut", { "authfx.outcome": "success" })).toBeDefined()
    expect(find("authfx.session", { "authfx.outcome": "success", "authfx.strategy": "jwt" })).toBeDefined()
    expect(find("authfx.link", { "authfx.provider": "google", "authfx.outcome": "success" })).toBeDefined()
    expect(find("authfx.unlink", { "authfx.provider": "google", "authfx.outcome": "success" })).toBeDefined()
    expect(find("authfx.refreshToken", { "authfx.provider": "github", "authfx.outcome": "success" })).toBeDefined()
    // An id that names no configured provider is "unknown", never what the path said.
    expect(find("authfx.signIn", { "authfx.provider": "unknown", "authfx.outcome": "ProviderNotConfigured" })).toBeDefined()
    // A failed span says what kind of failure, and nothing of its content.
    const failed = find("authfx.callback", { "authfx.outcome": "CredentialsSignin" })!
    expect(failed.status.message ?? "").toMatch(/^[A-Za-z_$][\w$.]*$/)
    for (const event of failed.events) expect(Object.keys(event.attributes)).toEqual(["exception.type"])
  })

  it("counts sign-ins by provider and outcome, session-check hits and misses, and refusals", () => {
    expect(receiver.counted("authfx.sign_ins", { provider: "github", outcome: "success" })).toBe(1)
    expect(receiver.counted("authfx.sign_ins", { provider: "email", outcome: "success" })).toBe(1)
    expect(receiver.counted("authfx.sign_ins", { provider: "credentials", outcome: "CredentialsSignin" })).toBe(1)
    expect(receiver.counted("authfx.sign_ins", { provider: "credentials", outcome: "success" })).toBe(1)
    expect(receiver.counted("authfx.sign_ins", { provider: "google", outcome: "success" })).toBe(1)
    expect(receiver.counted("authfx.session_checks", { result: "hit" })).toBeGreaterThanOrEqual(2)
    expect(receiver.counted("authfx.session_checks", { result: "miss" })).toBeGreaterThanOrEqual(1)
    expect(receiver.counted("authfx.refusals", { reason: "csrf" })).toBe(1)
    expect(receiver.counted("authfx.refusals", { reason: "redirect" })).toBeGreaterThanOrEqual(1)
    expect(receiver.counted("authfx.refusals", { reason: "revoked" })).toBe(1)
    expect(receiver.counted("authfx.token_refreshes", { provider: "github", outcome: "success" })).toBe(1)
  })

  it("exports no e-mail, user id, token, code, address or user agent anywhere", () => {
    expect(personal.size).toBeGreaterThan(8)
    const everything = receiver.exports.map((e) => e.body.toString("utf8")).join("\n")
    expect(everything.length).toBeGreaterThan(1000)
    for (const value of personal) {
      if (value.length < 4) continue
      expect(everything, `exported: ${value}`).not.toContain(value)
    }
    // Attribute by attribute too, so the failure names where a value came from.
    for (const span of receiver.spans()) {
      for (const [key, value] of Object.entries(span.attributes)) {
        expect(key.startsWith("authfx.") || ["http.request.method", "http.response.status_code"].includes(key), key).toBe(true)
        for (const secret of personal) expect(String(value), `${span.name} ${key}`).not.toContain(secret)
      }
    }
    for (const point of receiver.points()) {
      for (const [key, value] of Object.entries(point.attributes)) {
        for (const secret of personal) expect(String(value), `${point.metric} ${key}`).not.toContain(secret)
      }
    }
  })
})
