/**
 * The passkey success paths in node, with a software authenticator (test/support/softAuthenticator.ts) in
 * place of the browser's: register while signed in, sign in with the passkey alone (discoverable, nothing
 * typed), list it; a clone's counter refused; the last way in kept; a removed passkey opens nothing.
 */
import { createHash } from "node:crypto"
import { afterAll, describe, expect, it } from "vitest"
import { ProviderId } from "../../../src/domain/Account.ts"
import type { Browser } from "../../support/browser.ts"
import { startAuth } from "../../support/httpHarness.ts"
import { testProviders } from "../../support/memoryHarness.ts"
import { softAuthenticator } from "../../support/softAuthenticator.ts"

const passkey = { type: "webauthn", id: ProviderId.make("passkey"), name: "Passkey" } as const
const t = await startAuth({ providers: [...testProviders, passkey] })
afterAll(() => t.auth.dispose())

type Device = ReturnType<typeof softAuthenticator>

const optionsFor = async (b: Browser, action: "register" | "authenticate") => {
  const res = await b.get(`/auth/webauthn-options/passkey?action=${action}`)
  expect(res.status).toBe(200)
  return ((await res.json()) as { options: never }).options
}

const answer = async (b: Browser, action: "register" | "authenticate", data: unknown) =>
  b.post("/auth/callback/passkey", { csrfToken: await b.csrfToken(), action, data: JSON.stringify(data), callbackUrl: "/home" })

const register = async (b: Browser, device: Device) => answer(b, "register", device.register(await optionsFor(b, "register")))
const signIn = async (b: Browser, device: Device) => answer(b, "authenticate", device.authenticate(await optionsFor(b, "authenticate")))

const emailOf = async (b: Browser) => ((await t.session(b)) as { user?: { email?: string } } | null)?.user?.email

describe("passkeys: the ceremonies that succeed", () => {
  it("register while signed in, then sign in with the passkey alone in another browser; it is listed", async () => {
    const device = softAuthenticator(t.origin)
    const owner = t.browser()
    await t.credentialsSignIn(owner)
    const registered = await register(owner, device)
    expect(registered.status).toBe(302)
    expect(registered.headers.get("location")).toBe(`${t.origin}/home`)

    const elsewhere = t.browser()
    const signedIn = await signIn(elsewhere, device)
    expect(signedIn.headers.get("location")).toBe(`${t.origin}/home`)
    expect(await emailOf(elsewhere)).toBe("ada@example.com")

    const listed = (await (await elsewhere.get("/auth/passkeys/passkey")).json()) as Array<Record<string, unknown>>
    expect(listed).toEqual([{
      credentialID: Buffer.from(device.id, "base64url").toString("base64"),
      credentialDeviceType: "multiDevice",
      credentialBackedUp: true,
      transports: "internal,hybrid"
    }])
  })

  it("a clone (a counter that does not go up) is refused; the real authenticator goes on", async () => {
    const device = softAuthenticator(t.origin)
    const owner = t.browser()
    await t.credentialsSignIn(owner)
    await register(owner, device)
    expect(await emailOf(await signedInWith(device))).toBe("ada@example.com")
    device.setCounter(0) // the clone was copied before that sign-in: it answers counter 1 again
    const clone = t.browser()
    const refused = await signIn(clone, device)
    expect(refused.headers.get("location")).toContain("error=WebAuthnVerificationError")
    expect(await t.session(clone)).toBeNull()
    device.setCounter(5)
    expect(await emailOf(await signedInWith(device))).toBe("ada@example.com")
  })

  it("the last way in stays: a passkey that is the only one is not removed; a removed one opens nothing", async () => {
    const device = softAuthenticator(t.origin)
    const b = t.browser()
    await t.oauthSignIn(b, "github", { id: "gh-passkey-only", name: "Pat", email: null, emailVerified: false, image: null })
    expect((await register(b, device)).status).toBe(302)
    // GitHub unlinked (which ends the session signed in with it): the passkey is now the only way in.
    expect((await b.post("/auth/unlink/github", { csrfToken: await b.csrfToken() })).status).toBe(200)
    const stillIn = await signedInWith(device)
    const credentialID = Buffer.from(device.id, "base64url").toString("base64")
    const last = await stillIn.post("/auth/passkeys/passkey/remove", { csrfToken: await stillIn.csrfToken(), credentialID })
    expect(last.status).toBe(409)
    expect(((await last.json()) as { error: string }).error).toBe("LastSignInMethod")
    expect(((await t.session(stillIn)) as { user?: { name?: string } }).user?.name).toBe("Pat")

    // With GitHub linked again, it goes; the session signed in with it ends; it signs in no more.
    const link = await stillIn.post("/auth/link/github", { csrfToken: await stillIn.csrfToken() })
    const params = await t.approve(link.headers.get("location")!, { id: "gh-passkey-only", name: "Pat", email: null, emailVerified: false, image: null })
    expect((await stillIn.get(`/auth/callback/github?${new URLSearchParams(params)}`)).headers.get("location")).not.toContain("error")
    const viaPasskey = await signedInWith(device)
    const removed = await viaPasskey.post("/auth/passkeys/passkey/remove", { csrfToken: await viaPasskey.csrfToken(), credentialID })
    expect(removed.status).toBe(200)
    expect(await removed.json()).toEqual({ removed: { credentialID }, sessionEnded: true })
    expect(await t.session(viaPasskey)).toBeNull()
    const again = t.browser()
    expect((await signIn(again, device)).headers.get("location")).toContain("error=WebAuthnVerificationError")
  })
})

describe("the sign-in page's passkey button", () => {
  it("its one inline script is allowed by its hash and nothing else runs; without a passkey provider no script-src", async () => {
    const page = await t.browser().get("/auth/signin")
    const html = await page.text()
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!)
    expect(scripts).toHaveLength(1)
    expect(html).not.toMatch(/<script[^>]+src=/)
    const hash = createHash("sha256").update(scripts[0]!).digest("base64")
    const csp = page.headers.get("content-security-policy")!
    expect(csp).toContain(`script-src 'sha256-${hash}'; connect-src 'self';`)
    expect(csp.match(/script-src [^;]*/)?.[0]).toBe(`script-src 'sha256-${hash}'`)

    const plain = await startAuth()
    const without = await plain.browser().get("/auth/signin")
    expect(without.headers.get("content-security-policy")).not.toContain("script-src")
    expect(await without.text()).not.toContain("<script")
    await plain.auth.dispose()
  })
})

const signedInWith = async (device: Device) => {
  const b = t.browser()
  const res = await signIn(b, device)
  expect(res.headers.get("location")).toBe(`${t.origin}/home`)
  return b
}

describe("passkeys are sensitive: adding or removing one needs a recent sign-in (the step-up rule)", () => {
  it("with a sign-in older than stepUpMaxAge: options to register and a removal are 403 StepUpRequired", async () => {
    const strict = await startAuth({ providers: [...testProviders, passkey], session: { stepUpMaxAge: 0 } })
    try {
      const b = strict.browser()
      await strict.credentialsSignIn(b)
      const options = await b.get("/auth/webauthn-options/passkey?action=register")
      expect(options.status).toBe(403)
      expect(await options.json()).toMatchObject({ error: "StepUpRequired" })
      const removal = await b.post("/auth/passkeys/passkey/remove", { csrfToken: await b.csrfToken(), credentialID: "AAAA" })
      expect(removal.status).toBe(403)
      expect(await removal.json()).toMatchObject({ error: "StepUpRequired" })
      // Still signed in: a refused step-up ends nothing.
      expect(((await strict.session(b)) as { user?: { email?: string } }).user?.email).toBe("ada@example.com")
    } finally {
      await strict.auth.dispose()
    }
  })
})
