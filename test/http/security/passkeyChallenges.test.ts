import { afterAll, describe, expect, it } from "vitest"
import { ProviderId } from "../../../src/domain/Account.ts"
import { testProviders } from "../../support/memoryHarness.ts"
import { startAuth } from "../../support/httpHarness.ts"

const passkey = { type: "webauthn", id: ProviderId.make("passkey"), name: "Passkey" } as const
const harness = await startAuth({ providers: [...testProviders, passkey] })
afterAll(() => harness.auth.dispose())

// A made-up assertion: the ceremony never gets that far unless the challenge checks pass first.
const assertion = JSON.stringify({ id: "AAAA", rawId: "AAAA", type: "public-key", response: {}, clientExtensionResults: {} })

describe("passkey challenges (attacks first)", () => {
  it("options: Auth.js's shape, a discoverable request, and the challenge cookie", async () => {
    const b = harness.browser()
    const res = await b.get("/auth/webauthn-options/passkey?action=authenticate")
    expect(res.status).toBe(200)
    const body = (await res.json()) as { action: string; options: { challenge: string; rpId: string; allowCredentials?: unknown[] } }
    expect(body.action).toBe("authenticate")
    expect(body.options.rpId).toBe("localhost")
    expect(body.options.allowCredentials ?? []).toEqual([])
    expect(res.headers.get("set-cookie")).toMatch(/authjs\.challenge=[A-Za-z0-9_-]{43};.*HttpOnly/)
  })

  it("register needs a signed-in user; an unknown action is refused", async () => {
    const b = harness.browser()
    expect((await b.get("/auth/webauthn-options/passkey?action=register")).status).toBe(401)
    expect((await b.get("/auth/webauthn-options/passkey?action=steal")).status).toBe(400)
    expect((await b.get("/auth/webauthn-options/github?action=authenticate")).status).toBe(404)
    expect((await b.get("/auth/webauthn-options/x")).status).toBe(404)
  })

  it("an answer without this browser's challenge is refused (another browser's flow, none at all)", async () => {
    const victim = harness.browser()
    await victim.get("/auth/webauthn-options/passkey?action=authenticate")
    const attacker = harness.browser()
    const res = await attacker.post("/auth/callback/passkey", { csrfToken: await attacker.csrfToken(), action: "authenticate", data: assertion })
    expect(res.status).toBe(302)
    expect(res.headers.get("location")).toContain("error=WebAuthnVerificationError")
  })

  it("a challenge is used once: the second answer with the same cookie is refused before any verification", async () => {
    const b = harness.browser()
    const csrf = await b.get("/auth/csrf")
    const token = ((await csrf.json()) as { csrfToken: string }).csrfToken
    const options = await b.get("/auth/webauthn-options/passkey?action=authenticate")
    const cookie = [csrf, options].map((r) => r.headers.get("set-cookie")!.split(";")[0]!).join("; ")
    const first = await b.post("/auth/callback/passkey", { csrfToken: token, action: "authenticate", data: assertion })
    expect(first.headers.get("location")).toContain("error=WebAuthnVerificationError")
    // Replayed with the cookie put back, as an attacker holding a copy of the request would.
    const replay = await b.post("/auth/callback/passkey", { csrfToken: token, action: "authenticate", data: assertion }, { cookie })
    expect(replay.headers.get("location")).toContain("error=WebAuthnVerificationError")
  })

  it("every POST needs the CSRF token", async () => {
    const b = harness.browser()
    await b.get("/auth/webauthn-options/passkey?action=authenticate")
    const res = await b.post("/auth/callback/passkey", { action: "authenticate", data: assertion })
    expect(res.headers.get("location")).toContain("error=MissingCSRF")
    const remove = await b.post("/auth/passkeys/passkey/remove", { credentialID: "AAAA" })
    expect(remove.status).toBe(403)
  })

  it("listing and removing need a signed-in user", async () => {
    const b = harness.browser()
    expect((await b.get("/auth/passkeys/passkey")).status).toBe(401)
    expect((await b.post("/auth/passkeys/passkey/remove", { csrfToken: await b.csrfToken(), credentialID: "AAAA" })).status).toBe(401)
  })
})
