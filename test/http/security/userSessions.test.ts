/**
 * Sessions a user can see and end (issue 11), through the REST API, in both strategies: `GET /sessions` lists the
 * caller's live sessions and nothing that opens one; `POST /sessions/revoke` ends one, the others or all, under
 * CSRF, only among the caller's own, and a revoked session's cookie — replayed — is signed out.
 */
import { describe, expect, it } from "vitest"
import type { Browser } from "../../support/browser.ts"
import { startAuth } from "../../support/httpHarness.ts"

type Harness = Awaited<ReturnType<typeof startAuth>>

interface Listed {
  readonly handle: string
  readonly created: string | null
  readonly lastSeen: string | null
  readonly expires: string
  readonly client: string | null
  readonly provider: string | null
  readonly current: boolean
}

const firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
const safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) " +
  "Version/17.5 Mobile/15E148 Safari/604.1"

/** Ada signs in with her password, from a browser that says `userAgent`. */
const adaFrom = async (t: Harness, userAgent: string) => {
  const b = t.browser()
  await b.post(
    "/auth/callback/credentials",
    { csrfToken: await b.csrfToken(), username: "ada", password: "correct horse", callbackUrl: "/" },
    { "user-agent": userAgent }
  )
  return b
}

const list = async (b: Browser) => {
  const response = await b.get("/auth/sessions")
  expect(response.status).toBe(200)
  return (await response.json()) as ReadonlyArray<Listed>
}

const revoke = async (b: Browser, body: Record<string, string>, headers: Record<string, string> = {}) =>
  b.postJson("/auth/sessions/revoke", { csrfToken: await b.csrfToken(), ...body }, headers)

const copyOf = (t: Harness, b: Browser) => {
  const copy = t.browser()
  for (const [name, value] of b.cookies) copy.cookies.set(name, value)
  return copy
}

describe.each(["jwt", "database"] as const)("%s sessions", (strategy) => {
  it("lists the caller's sessions: handle, times, coarse client, provider, current; never a token", async () => {
    const t = await startAuth({ session: { strategy } })
    const laptop = await adaFrom(t, firefox)
    const phone = await adaFrom(t, safari)
    const sessions = await list(laptop)
    expect(sessions).toHaveLength(2)
    const mine = sessions.find((s) => s.current)!
    const other = sessions.find((s) => !s.current)!
    expect(mine).toMatchObject({ client: "Firefox on Linux", provider: "credentials" })
    expect(other).toMatchObject({ client: "Safari on iOS", provider: "credentials", current: false })
    for (const s of sessions) {
      expect(s.handle).toMatch(/^[0-9a-f]{32}$/)
      expect(Date.parse(s.created!)).not.toBeNaN()
      expect(Date.parse(s.lastSeen!)).not.toBeNaN()
      expect(Object.keys(s).sort()).toEqual(["client", "created", "current", "expires", "handle", "lastSeen", "provider"])
    }
    // Nothing of a cookie, in any form, is in the list.
    const text = JSON.stringify(sessions)
    for (const b of [laptop, phone]) {
      for (const [, value] of b.cookies) if (value.length > 16) expect(text).not.toContain(value.slice(0, 16))
    }
    // The phone sees the same two, with itself as current.
    const fromPhone = await list(phone)
    expect(fromPhone.find((s) => s.current)!.handle).toBe(other.handle)
    await t.auth.dispose()
  })

  it("signed out: 401; another user's sessions are never listed", async () => {
    const t = await startAuth({ session: { strategy } })
    expect((await t.browser().get("/auth/sessions")).status).toBe(401)
    await adaFrom(t, firefox)
    const grace = t.browser()
    await t.credentialsSignIn(grace, "bob", "battery staple")
    const sessions = await list(grace)
    expect(sessions).toHaveLength(1)
    expect(sessions[0]!.current).toBe(true)
    await t.auth.dispose()
  })

  it("revoking one by handle ends it: its cookie, replayed, is signed out; the caller stays", async () => {
    const t = await startAuth({ session: { strategy } })
    const laptop = await adaFrom(t, firefox)
    const phone = await adaFrom(t, safari)
    const stolen = copyOf(t, phone)
    const target = (await list(laptop)).find((s) => !s.current)!
    const response = await revoke(laptop, { handle: target.handle })
    expect(response.status).toBe(200)
    expect(await response.json()).toStrictEqual({ revoked: 1, currentEnded: false })
    expect(await t.session(phone)).toBeNull()
    expect(await t.session(stolen)).toBeNull()
    expect(await t.session(laptop)).toMatchObject({ user: { name: "Ada" } })
    expect((await list(laptop)).map((s) => s.handle)).not.toContain(target.handle)
    // Again: it is gone.
    expect((await revoke(laptop, { handle: target.handle })).status).toBe(404)
    await t.auth.dispose()
  })

  it("revoking the caller's own session by handle signs it out and clears its cookie", async () => {
    const t = await startAuth({ session: { strategy } })
    const laptop = await adaFrom(t, firefox)
    const kept = copyOf(t, laptop)
    const mine = (await list(laptop)).find((s) => s.current)!
    const response = await revoke(laptop, { handle: mine.handle })
    expect(await response.json()).toStrictEqual({ revoked: 1, currentEnded: true })
    expect(response.headers.getSetCookie().some((h) => /^authjs\.session-token=;/.test(h))).toBe(true)
    expect(await t.session(kept)).toBeNull()
    await t.auth.dispose()
  })

  it("another user's handle is refused exactly as a made-up one, and ends nothing", async () => {
    const t = await startAuth({ session: { strategy } })
    const ada = await adaFrom(t, firefox)
    const grace = t.browser()
    await t.credentialsSignIn(grace, "bob", "battery staple")
    const adaHandle = (await list(ada))[0]!.handle
    const foreign = await revoke(grace, { handle: adaHandle })
    const madeUp = await revoke(grace, { handle: "0".repeat(32) })
    expect(foreign.status).toBe(404)
    expect(madeUp.status).toBe(404)
    expect(await foreign.json()).toStrictEqual(await madeUp.json())
    expect(await t.session(ada)).toMatchObject({ user: { name: "Ada" } })
    await t.auth.dispose()
  })

  it("revoking the others ends every session but the caller's", async () => {
    const t = await startAuth({ session: { strategy } })
    const laptop = await adaFrom(t, firefox)
    const phone = await adaFrom(t, safari)
    const tablet = await adaFrom(t, safari)
    const response = await revoke(laptop, { scope: "others" })
    expect(await response.json()).toStrictEqual({ revoked: 2, currentEnded: false })
    expect(await t.session(phone)).toBeNull()
    expect(await t.session(tablet)).toBeNull()
    expect(await t.session(laptop)).toMatchObject({ user: { name: "Ada" } })
    expect(await list(laptop)).toHaveLength(1)
    await t.auth.dispose()
  })

  it("revoking all ends every session, the caller's too, after a recent sign-in", async () => {
    const t = await startAuth({ session: { strategy } })
    const laptop = await adaFrom(t, firefox)
    const phone = await adaFrom(t, safari)
    const kept = copyOf(t, laptop)
    const response = await revoke(laptop, { scope: "all" })
    expect(await response.json()).toStrictEqual({ revoked: 2, currentEnded: true })
    for (const b of [laptop, phone, kept]) expect(await t.session(b)).toBeNull()
    // Signing in again afterwards works, and lists only the new session.
    const again = await adaFrom(t, firefox)
    expect(await list(again)).toHaveLength(1)
    await t.auth.dispose()
  })

  it("revoking all from a sign-in older than stepUpMaxAge: 403 StepUpRequired, an error page for a form; nothing ends", async () => {
    const refused: Array<unknown> = []
    const t = await startAuth({
      session: { strategy, stepUpMaxAge: 0 },
      events: { stepUpRefused: (params) => void refused.push(params) }
    })
    const laptop = await adaFrom(t, firefox)
    const response = await revoke(laptop, { scope: "all" })
    expect(response.status).toBe(403)
    expect(await response.json()).toMatchObject({ error: "StepUpRequired" })
    const form = await laptop.post(
      "/auth/sessions/revoke",
      { csrfToken: await laptop.csrfToken(), scope: "all" },
      { accept: "text/html,application/xhtml+xml" }
    )
    expect(form.status).toBe(302)
    expect(form.headers.get("location")).toBe(`${t.origin}/auth/error?error=StepUpRequired`)
    expect(await t.session(laptop)).toMatchObject({ user: { name: "Ada" } })
    expect(refused).toHaveLength(2)
    expect(refused[0]).toStrictEqual({ userId: expect.any(String), action: "revokeAllSessions" })
    // "others" keeps the caller signed in, so it needs no step-up.
    expect((await revoke(laptop, { scope: "others" })).status).toBe(200)
    await t.auth.dispose()
  })

  it("unlinking needs a recent sign-in too", async () => {
    const t = await startAuth({ session: { strategy, stepUpMaxAge: 0 } })
    const ada = await adaFrom(t, firefox)
    const response = await ada.post("/auth/unlink/credentials", { csrfToken: await ada.csrfToken() })
    expect(response.status).toBe(403)
    expect(await response.json()).toMatchObject({ error: "StepUpRequired" })
    await t.auth.dispose()
  })

  it("refuses without CSRF, from another origin, and with a bad body; nothing ends", async () => {
    const t = await startAuth({ session: { strategy } })
    const laptop = await adaFrom(t, firefox)
    const phone = await adaFrom(t, safari)
    const noToken = await laptop.postJson("/auth/sessions/revoke", { scope: "others" })
    expect(noToken.status).toBe(403)
    expect(await noToken.json()).toStrictEqual({ error: "MissingCSRF" })
    const wrongToken = await laptop.postJson("/auth/sessions/revoke", { csrfToken: "x", scope: "all" })
    expect(wrongToken.status).toBe(403)
    const foreign = await revoke(laptop, { scope: "others" }, { origin: "https://evil.example" })
    expect(foreign.status).toBe(403)
    for (const body of [{}, { scope: "everything" }, { handle: "../x" }, { handle: "0".repeat(32), scope: "all" }]) {
      expect((await revoke(laptop, body)).status).toBe(400)
    }
    expect(await t.session(phone)).toMatchObject({ user: { name: "Ada" } })
    expect(await list(laptop)).toHaveLength(2)
    await t.auth.dispose()
  })

  it("tells the sessionRevoked event the scope and count, and the user id only", async () => {
    const told: Array<unknown> = []
    const t = await startAuth({ session: { strategy }, events: { sessionRevoked: (params) => void told.push(params) } })
    const laptop = await adaFrom(t, firefox)
    await adaFrom(t, safari)
    await adaFrom(t, safari)
    const one = (await list(laptop)).find((s) => !s.current)!
    await revoke(laptop, { handle: one.handle })
    await revoke(laptop, { scope: "others" })
    await revoke(laptop, { scope: "all" })
    expect(told).toStrictEqual([
      { userId: expect.any(String), scope: "one", count: 1 },
      { userId: expect.any(String), scope: "others", count: 1 },
      { userId: expect.any(String), scope: "all", count: 1 }
    ])
    await t.auth.dispose()
  })

  it("signing out takes the session off the list", async () => {
    const t = await startAuth({ session: { strategy } })
    const laptop = await adaFrom(t, firefox)
    const phone = await adaFrom(t, safari)
    await phone.post("/auth/signout", { csrfToken: await phone.csrfToken() })
    expect(await list(laptop)).toHaveLength(1)
    await t.auth.dispose()
  })
})
