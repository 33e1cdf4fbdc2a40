/**
 * Two-factor sign-in through HTTP, on memory adapters: enrolment through the JSON API, the gate after the first
 * factor (no session, a pending state bound to the browser), the code page, replay, backup codes, trusted
 * devices and their revocation, the requireTwoFactor callback, and the per-user rate limit on codes.
 */
import { afterAll, assert, describe, expect, it } from "@effect/vitest"
import * as OTPAuth from "otpauth"
import type { Browser } from "../../support/browser.ts"
import { startAuth } from "../../support/httpHarness.ts"

const harness = await startAuth()
afterAll(() => harness.auth.dispose())

/** The code of the step `offset` steps from now, for the secret (what an authenticator app would show). */
const codeFor = (secret: string, offset = 0) =>
  OTPAuth.TOTP.generate({ secret: OTPAuth.Secret.fromBase32(secret), timestamp: Date.now() + offset * 30_000 })

const session = async (b: Browser) => (await b.get("/auth/session")).json() as Promise<{ user?: { email: string } } | null>

/** A browser signed in with credentials, with two-factor turned on: its secret and backup codes. */
const enrolled = async (h: typeof harness, username: "ada" | "bob" = "ada") => {
  const b = h.browser()
  await h.credentialsSignIn(b, username, username === "ada" ? "correct horse" : "battery staple")
  const start = await b.postJson("/auth/two-factor/enrol", { csrfToken: await b.csrfToken() })
  assert.strictEqual(start.status, 200)
  const { secret, uri } = await start.json() as { secret: string; uri: string }
  const confirm = await b.postJson("/auth/two-factor/enrol/confirm", { csrfToken: await b.csrfToken(), code: codeFor(secret) })
  assert.strictEqual(confirm.status, 200)
  const { backupCodes } = await confirm.json() as { backupCodes: Array<string> }
  return { b, secret, uri, backupCodes }
}

const turnOff = async (b: Browser, code: string) =>
  b.postJson("/auth/two-factor/disable", { csrfToken: await b.csrfToken(), code })

describe("two-factor sign-in over HTTP", () => {
  it("enrolment: an otpauth URI for SHA-1, 6 digits, 30 s; ten backup codes; the status says it is on", async () => {
    const { b, uri, backupCodes, secret } = await enrolled(harness)
    const parsed = OTPAuth.URI.parse(uri) as OTPAuth.TOTP
    expect([parsed.algorithm, parsed.digits, parsed.period, parsed.issuer, parsed.label]).toEqual([
      "SHA1",
      6,
      30,
      "localhost",
      "ada@example.com"
    ])
    assert.strictEqual(parsed.secret.base32, secret)
    assert.strictEqual(backupCodes.length, 10)
    assert.strictEqual(new Set(backupCodes).size, 10)
    const status = await (await b.get("/auth/two-factor/status")).json() as Record<string, unknown>
    expect([status["enabled"], status["backupCodesLeft"]]).toEqual([true, 10])
    // Enrolling again while on is refused; turning off with a wrong code is refused.
    assert.strictEqual((await b.postJson("/auth/two-factor/enrol", { csrfToken: await b.csrfToken() })).status, 409)
    assert.strictEqual((await turnOff(b, "000000")).status, 400)
    assert.strictEqual((await turnOff(b, backupCodes[0]!)).status, 200)
  })

  it("after the first factor: no session, a pending cookie, the code page; the right code signs in", async () => {
    const { secret, backupCodes, b: owner } = await enrolled(harness)
    const b = harness.browser()
    const first = await harness.credentialsSignIn(b)
    assert.strictEqual(first.status, 302)
    assert.strictEqual(first.headers.get("location"), "http://localhost:3000/auth/two-factor")
    assert.isNull(await session(b))
    assert.isFalse([...b.cookies.keys()].some((name) => name.includes("session-token")))
    const page = await b.get("/auth/two-factor")
    assert.strictEqual(page.status, 200)
    expect(await page.text()).toContain('name="code"')
    // A wrong code: back to the page with the message, still no session.
    const wrong = await b.post("/auth/two-factor", { csrfToken: await b.csrfToken(), code: "123456" })
    expect(wrong.headers.get("location")).toContain("/auth/two-factor?error=TwoFactorCodeInvalid")
    assert.isNull(await session(b))
    // Without CSRF: refused.
    const forged = await b.post("/auth/two-factor", { code: codeFor(secret, 1) })
    expect(forged.headers.get("location")).toContain("error=MissingCSRF")
    const done = await b.post("/auth/two-factor", { csrfToken: await b.csrfToken(), code: codeFor(secret, 1) })
    assert.strictEqual(done.headers.get("location"), "http://localhost:3000/")
    assert.strictEqual((await session(b))?.user?.email, "ada@example.com")
    // The pending state was single-use: posting again finds none.
    const again = await b.post("/auth/two-factor", { csrfToken: await b.csrfToken(), code: backupCodes[0]! })
    expect(again.headers.get("location")).toContain("error=TwoFactorPendingInvalid")
    await turnOff(owner, backupCodes[1]!)
  })

  it("another browser cannot finish a pending sign-in; a code is good once (no replay)", async () => {
    const { secret, backupCodes, b: owner } = await enrolled(harness)
    const victim = harness.browser()
    await harness.credentialsSignIn(victim)
    const attacker = harness.browser()
    const stolen = await attacker.post("/auth/two-factor", { csrfToken: await attacker.csrfToken(), code: codeFor(secret, 1) })
    expect(stolen.headers.get("location")).toContain("error=TwoFactorPendingInvalid")
    assert.isNull(await session(attacker))
    const code = codeFor(secret, 1)
    await victim.post("/auth/two-factor", { csrfToken: await victim.csrfToken(), code })
    assert.strictEqual((await session(victim))?.user?.email, "ada@example.com")
    const replayer = harness.browser()
    await harness.credentialsSignIn(replayer)
    const replay = await replayer.post("/auth/two-factor", { csrfToken: await replayer.csrfToken(), code })
    expect(replay.headers.get("location")).toContain("error=TwoFactorCodeInvalid")
    assert.isNull(await session(replayer))
    // A backup code works once.
    const withBackup = await replayer.post("/auth/two-factor", { csrfToken: await replayer.csrfToken(), code: backupCodes[0]! })
    assert.strictEqual(withBackup.headers.get("location"), "http://localhost:3000/")
    const reuser = harness.browser()
    await harness.credentialsSignIn(reuser)
    const reuse = await reuser.post("/auth/two-factor", { csrfToken: await reuser.csrfToken(), code: backupCodes[0]! })
    expect(reuse.headers.get("location")).toContain("error=TwoFactorCodeInvalid")
    await turnOff(owner, backupCodes[1]!)
  })

  it("a trusted device skips the code; turning two-factor off and on again revokes the trust", async () => {
    const { secret, backupCodes, b: owner } = await enrolled(harness)
    const b = harness.browser()
    await harness.credentialsSignIn(b)
    await b.post("/auth/two-factor", { csrfToken: await b.csrfToken(), code: codeFor(secret, 1), trustDevice: "true" })
    const trustCookie = [...b.cookies.entries()].find(([name]) => name.endsWith("trusted-device"))
    assert.isDefined(trustCookie)
    const back = await harness.credentialsSignIn(b)
    assert.strictEqual(back.headers.get("location"), "http://localhost:3000/")
    // Its copy in another browser, for another user, trusts nothing.
    const bob = harness.browser()
    bob.cookies.set(trustCookie![0], trustCookie![1])
    const bobEnrolled = await enrolled(harness, "bob")
    const bobSignIn = await harness.credentialsSignIn(bob, "bob", "battery staple")
    assert.strictEqual(bobSignIn.headers.get("location"), "http://localhost:3000/auth/two-factor")
    await turnOff(bobEnrolled.b, bobEnrolled.backupCodes[0]!)
    // Off, then on again: the old trust names a deleted enrolment.
    assert.strictEqual((await turnOff(owner, backupCodes[0]!)).status, 200)
    const again = await enrolled(harness)
    const after = await harness.credentialsSignIn(b)
    assert.strictEqual(after.headers.get("location"), "http://localhost:3000/auth/two-factor")
    await turnOff(again.b, again.backupCodes[0]!)
  })
})

describe("requireTwoFactor", () => {
  it("a user who must but has none enrols on the code page before any session", async () => {
    const h = await startAuth({ callbacks: { requireTwoFactor: ({ provider }) => provider === "credentials" } })
    try {
      const b = h.browser()
      const first = await h.credentialsSignIn(b)
      assert.strictEqual(first.headers.get("location"), "http://localhost:3000/auth/two-factor")
      assert.isNull(await session(b))
      const page = await (await b.get("/auth/two-factor")).text()
      const secret = /id="totp-secret">([A-Z2-7]+)</.exec(page)?.[1]
      assert.isDefined(secret)
      const done = await b.post("/auth/two-factor", { csrfToken: await b.csrfToken(), code: codeFor(secret!) })
      assert.strictEqual(done.status, 200)
      expect(await done.text()).toContain('id="backup-codes"')
      assert.strictEqual((await session(b))?.user?.email, "ada@example.com")
    } finally {
      await h.auth.dispose()
    }
  })
})

describe("the rate limit on codes", () => {
  it("the sixth code of a minute for one user is refused, even a right one", async () => {
    const h = await startAuth({ rateLimit: { twoFactor: { limit: 5, window: "1 minute" }, post: false, paths: {} } })
    try {
      const { secret } = await enrolled(h)
      const b = h.browser()
      await h.credentialsSignIn(b)
      for (let i = 0; i < 4; i++) {
        const wrong = await b.post("/auth/two-factor", { csrfToken: await b.csrfToken(), code: "000000" })
        expect(wrong.headers.get("location")).toContain("error=TwoFactorCodeInvalid")
      }
      const limited = await b.post("/auth/two-factor", { csrfToken: await b.csrfToken(), code: codeFor(secret, 1) })
      expect(limited.headers.get("location")).toContain("error=RateLimited")
      assert.isNull(await session(b))
    } finally {
      await h.auth.dispose()
    }
  })
})
