/**
 * Credentials through the REST API over real HTTP, with both session strategies: the Auth.js session JSON,
 * updates through the callbacks, sign-out that also kills copied cookies, the CredentialsSignin redirect,
 * what the store holds for database sessions, and when the cookie is (and is not) written again.
 */
import { Effect, Option } from "effect"
import { createHash } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Callbacks, SessionStrategy } from "../../../src/domain/AuthConfig.ts"
import { Users } from "../../../src/ports/Users.ts"
import type { Browser } from "../../support/browser.ts"
import { serveAuth, type ServedAuth } from "../../support/nodeAuth.ts"

const sessionCookie = "authjs.session-token"
const ada = { name: "Ada", email: "ada@example.com", image: null }

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> => typeof value === "object" && value !== null

/**
 * An application's callbacks: `POST /session {data: {theme}}` shows the theme at once (session callback,
 * `newSession` with trigger "update"); with JWT sessions the jwt callback also keeps it in the token
 * (its `session` argument), so later reads show it too. Auth.js keeps nothing of an update in database mode.
 */
const callbacks: Callbacks = {
  jwt: ({ token, trigger, session }) =>
    trigger === "update" && isRecord(session) && typeof session["theme"] === "string" ? { ...token, theme: session["theme"] } : token,
  session: ({ session, trigger, newSession, token }) => {
    const theme = trigger === "update" && isRecord(newSession) ? newSession["theme"] : token?.["theme"]
    return typeof theme === "string" ? { ...session, theme } : session
  }
}

const readSession = async (b: Browser) => {
  const response = await b.get("/auth/session")
  expect(response.status).toBe(200)
  return { response, body: (await response.json()) as unknown }
}

const setsSessionCookie = (response: Response) =>
  response.headers.getSetCookie().some((header) => header.startsWith(`${sessionCookie}=`) && !/max-age=0/i.test(header))

const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex")

describe.each<SessionStrategy>(["jwt", "database"])("%s sessions", (strategy) => {
  let t: ServedAuth
  let renewing: ServedAuth

  beforeAll(async () => {
    t = await serveAuth({ session: { strategy }, callbacks })
    renewing = await serveAuth({ session: { strategy, maxAge: 3600, updateAge: 0 } })
  })
  afterAll(async () => {
    await t?.close()
    await renewing?.close()
  })

  it("signs in with credentials; GET /session is exactly Auth.js's shape — no id", async () => {
    const b = t.browser()
    const before = Date.now()
    const response = await b.post("/auth/callback/credentials", {
      csrfToken: await b.csrfToken(),
      username: "ada",
      password: "correct horse",
      callbackUrl: "/welcome"
    })
    expect(response.status).toBe(302)
    expect(response.headers.get("location")).toBe(`${t.origin}/welcome`)
    expect(setsSessionCookie(response)).toBe(true)

    const { response: read, body } = await readSession(b)
    expect(read.headers.get("cache-control")).toBe("private, no-cache, no-store")
    expect(body).toStrictEqual({ user: ada, expires: expect.any(String) })
    const { user, expires } = body as { user: Record<string, unknown>; expires: string }
    expect(Object.keys(user).sort()).toEqual(["email", "image", "name"])
    // 30 days from the sign-in (the default maxAge), as an ISO-8601 instant.
    expect(new Date(expires).toISOString()).toBe(expires)
    const thirtyDays = 30 * 24 * 3600 * 1000
    expect(new Date(expires).getTime()).toBeGreaterThanOrEqual(before + thirtyDays - 2000)
    expect(new Date(expires).getTime()).toBeLessThanOrEqual(Date.now() + thirtyDays + 2000)
  })

  it("POST /session {csrfToken, data} runs the callbacks with trigger 'update' and returns the new JSON", async () => {
    const b = t.browser()
    await t.credentialsSignIn(b)
    const updated = await b.postJson("/auth/session", { csrfToken: await b.csrfToken(), data: { theme: "dark" } })
    expect(updated.status).toBe(200)
    expect(await updated.json()).toStrictEqual({ user: ada, expires: expect.any(String), theme: "dark" })
    // The cookie is written again on an update, as Auth.js does.
    expect(setsSessionCookie(updated)).toBe(true)
    const later = (await readSession(b)).body
    // jwt: the jwt callback put the theme in the token; database: an update persists nothing.
    expect(later).toStrictEqual(
      strategy === "jwt" ? { user: ada, expires: expect.any(String), theme: "dark" } : { user: ada, expires: expect.any(String) }
    )
  })

  it("POST /session without a valid CSRF token is 400 null and changes nothing", async () => {
    const b = t.browser()
    await t.credentialsSignIn(b)
    await b.csrfToken()
    const refused = await b.postJson("/auth/session", { csrfToken: "0".repeat(64), data: { theme: "evil" } })
    expect(refused.status).toBe(400)
    expect(await refused.text()).toBe("null")
    expect((await readSession(b)).body).toStrictEqual({ user: ada, expires: expect.any(String) })
  })

  it("signs out; a copy of the cookie taken before sign-out is dead too", async () => {
    const b = t.browser()
    await t.credentialsSignIn(b)
    const copied = b.cookies.get(sessionCookie)!
    expect(copied).toBeDefined()
    const out = await b.post("/auth/signout", { csrfToken: await b.csrfToken() })
    expect(out.status).toBe(302)
    expect(out.headers.getSetCookie().some((h) => h.startsWith(`${sessionCookie}=;`) && /max-age=0/i.test(h))).toBe(true)
    expect((await readSession(b)).body).toBeNull()

    const thief = t.browser()
    thief.cookies.set(sessionCookie, copied)
    const stolen = await readSession(thief)
    expect(stolen.body).toBeNull()
    // …and the dead cookie is cleared from the thief's browser.
    expect(thief.cookies.has(sessionCookie)).toBe(false)
  })

  it("a wrong password → /auth/signin?error=CredentialsSignin&code=credentials, no session", async () => {
    const b = t.browser()
    const response = await b.post("/auth/callback/credentials", {
      csrfToken: await b.csrfToken(),
      username: "ada",
      password: "wrong"
    })
    expect(response.status).toBe(302)
    expect(response.headers.get("location")).toBe(`${t.origin}/auth/signin?error=CredentialsSignin&code=credentials`)
    expect(setsSessionCookie(response)).toBe(false)
    expect((await readSession(b)).body).toBeNull()
    // The page it lands on says so.
    const page = await b.get("/auth/signin?error=CredentialsSignin&code=credentials")
    expect(page.status).toBe(200)
    expect(await page.text()).toContain("Sign in failed. Check the details you provided are correct.")
  })

  it("what the cookie holds", async () => {
    const b = t.browser()
    await t.credentialsSignIn(b)
    const cookie = b.cookies.get(sessionCookie)!
    if (strategy === "jwt") {
      // An encrypted JWT by default: five base64url parts, no readable claims.
      expect(cookie.split(".")).toHaveLength(5)
      expect(cookie).not.toContain(Buffer.from("ada@example.com").toString("base64url").slice(0, 12))
      return
    }
    // database: the cookie is the token; the store holds only its SHA-256.
    const lookup = (tokenHash: string) =>
      t.auth.runtime.runPromise(Users.use((store) => store.getSessionAndUser(tokenHash)).pipe(Effect.map(Option.isSome)))
    expect(cookie).toMatch(/^[A-Za-z0-9_-]{40,}$/)
    expect(await lookup(sha256Hex(cookie))).toBe(true)
    expect(await lookup(cookie)).toBe(false)
  })

  it("with updateAge 0 every GET /session writes the cookie again", async () => {
    const b = renewing.browser()
    await renewing.credentialsSignIn(b)
    for (let i = 0; i < 3; i++) {
      const { response, body } = await readSession(b)
      expect(body).toStrictEqual({ user: ada, expires: expect.any(String) })
      expect(setsSessionCookie(response)).toBe(true)
      // maxAge 3600: the session (and the renewed cookie) ends an hour from now.
      const expires = new Date((body as { expires: string }).expires).getTime()
      expect(Math.abs(expires - (Date.now() + 3600_000))).toBeLessThan(5000)
    }
  })

  it("with the default updateAge (24 h) GET /session does not write the cookie (the hot path)", async () => {
    const b = t.browser()
    await t.credentialsSignIn(b)
    for (let i = 0; i < 3; i++) {
      const { response, body } = await readSession(b)
      expect(body).toStrictEqual({ user: ada, expires: expect.any(String) })
      expect(response.headers.getSetCookie().filter((h) => h.startsWith(sessionCookie))).toEqual([])
    }
  })
})
