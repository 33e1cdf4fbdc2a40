/**
 * Over real HTTP: GET /auth/providers in Auth.js's exact shape, the built-in pages (sign-in with every
 * provider, verify-request, error, sign-out) with their statuses and security headers, the application's
 * own sign-in page, and GET /auth/jwks — empty with secret keys, the public key with ES256, and a session
 * token that verifies against it with jose.
 */
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from "jose"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Browser } from "../../support/browser.ts"
import { serveAuth, type ServedAuth } from "../../support/nodeAuth.ts"
import { all, type Element, parseDocument } from "../pages/parseHtml.ts"

let t: ServedAuth
let withOwnPages: ServedAuth
let es256: ServedAuth
beforeAll(async () => {
  t = await serveAuth()
  withOwnPages = await serveAuth({ pages: { signIn: "/login" } })
  es256 = await serveAuth({ sessionKeys: { alg: "ES256" } })
})
afterAll(async () => {
  await t?.close()
  await withOwnPages?.close()
  await es256?.close()
})

/** Every built-in HTML page: HTML, never cached, and a CSP that allows no script and no framing. */
const expectSafePage = (response: Response) => {
  expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8")
  expect(response.headers.get("cache-control")).toMatch(/\bno-store\b/)
  const csp = response.headers.get("content-security-policy") ?? ""
  expect(csp).toContain("default-src 'none'")
  expect(csp).toContain("frame-ancestors 'none'")
  expect(csp).not.toMatch(/script-src/)
}

const formsOf = (page: Element) =>
  all(page, "form").map((form) => ({
    action: form.attrs["action"],
    method: form.attrs["method"],
    inputs: Object.fromEntries(all(form, "input").map((input) => [input.attrs["name"], input.attrs]))
  }))

describe("GET /auth/providers", () => {
  it("is Auth.js's shape exactly, with absolute URLs, in configuration order", async () => {
    const response = await t.browser().get("/auth/providers")
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toMatch(/^application\/json/)
    const body = (await response.json()) as Record<string, unknown>
    const api = `${t.origin}/auth`
    const entry = (id: string, name: string, type: string) => ({
      id,
      name,
      type,
      signinUrl: `${api}/signin/${id}`,
      callbackUrl: `${api}/callback/${id}`
    })
    expect(body).toStrictEqual({
      github: entry("github", "GitHub", "oauth"),
      google: entry("google", "Google", "oidc"),
      email: entry("email", "Email", "email"),
      credentials: entry("credentials", "Password", "credentials")
    })
    expect(Object.keys(body)).toEqual(["github", "google", "email", "credentials"])
  })
})

describe("GET /auth/signin", () => {
  it("lists every provider: a form per OAuth provider, the e-mail form, the credentials form; sets the CSRF cookie", async () => {
    const b = t.browser()
    const response = await b.get("/auth/signin?callbackUrl=%2Fafter")
    expect(response.status).toBe(200)
    expectSafePage(response)
    const cookie = b.cookies.get("authjs.csrf-token")
    expect(cookie).toMatch(/^[0-9a-f]{64}\|[0-9a-f]{64}$/)
    const csrfToken = cookie!.split("|")[0]!

    const forms = formsOf(parseDocument(await response.text()))
    const api = `${t.origin}/auth`
    expect(forms.map((form) => form.action)).toEqual([
      `${api}/signin/github`,
      `${api}/signin/google`,
      `${api}/signin/email`,
      `${api}/callback/credentials`
    ])
    for (const form of forms) {
      expect(form.method).toBe("post")
      // The token of the cookie just set, and the callbackUrl made absolute on our origin.
      expect(form.inputs["csrfToken"]).toMatchObject({ type: "hidden", value: csrfToken })
      expect(form.inputs["callbackUrl"]).toMatchObject({ type: "hidden", value: `${t.origin}/after` })
    }
    expect(Object.keys(forms[0]!.inputs).sort()).toEqual(["callbackUrl", "csrfToken"])
    expect(forms[2]!.inputs["email"]).toMatchObject({ type: "email", required: "" })
    expect(forms[3]!.inputs["username"]).toMatchObject({ type: "text" })
    expect(forms[3]!.inputs["password"]).toMatchObject({ type: "password", autocomplete: "current-password" })

    // The page's token works: the credentials form posted as a browser would signs in.
    const signedIn = await b.post(forms[3]!.action!, {
      csrfToken,
      callbackUrl: `${t.origin}/after`,
      username: "ada",
      password: "correct horse"
    })
    expect(signedIn.headers.get("location")).toBe(`${t.origin}/after`)
  })

  it("shows the error a flow sent it back with", async () => {
    const response = await t.browser().get("/auth/signin?error=OAuthAccountNotLinked")
    expect(response.status).toBe(200)
    expectSafePage(response)
    expect(await response.text()).toContain("To confirm your identity, sign in with the same account you used originally.")
  })

  it("with pages.signIn redirects to the application's page with callbackUrl (and error)", async () => {
    const b = withOwnPages.browser()
    const plain = await b.get("/auth/signin")
    expect(plain.status).toBe(302)
    expect(plain.headers.get("location")).toBe(`${withOwnPages.origin}/login?callbackUrl=${encodeURIComponent(`${withOwnPages.origin}/`)}`)
    const withTarget = await b.get("/auth/signin?callbackUrl=%2Fdash&error=CredentialsSignin")
    expect(withTarget.status).toBe(302)
    const location = new URL(withTarget.headers.get("location")!)
    expect(location.origin + location.pathname).toBe(`${withOwnPages.origin}/login`)
    expect(Object.fromEntries(location.searchParams)).toEqual({
      callbackUrl: `${withOwnPages.origin}/dash`,
      error: "CredentialsSignin"
    })
    // A callbackUrl to elsewhere is not passed on.
    const foreign = await b.get("/auth/signin?callbackUrl=https%3A%2F%2Fevil.example%2F")
    expect(new URL(foreign.headers.get("location")!).searchParams.get("callbackUrl")).toBe(`${withOwnPages.origin}/`)
    // Failed sign-ins go there too.
    const wrong = await b.post("/auth/callback/credentials", { csrfToken: await b.csrfToken(), username: "ada", password: "no" })
    expect(wrong.headers.get("location")).toBe(`${withOwnPages.origin}/login?error=CredentialsSignin&code=credentials`)
  })
})

describe("the other pages", () => {
  const page = async (b: Browser, path: string) => {
    const response = await b.get(path)
    expectSafePage(response)
    return { status: response.status, text: await response.text() }
  }

  it("GET /auth/verify-request", async () => {
    const { status, text } = await page(t.browser(), "/auth/verify-request?provider=email&type=email")
    expect(status).toBe(200)
    expect(text).toContain("Check your email")
  })

  it("GET /auth/error: AccessDenied 403, Verification 403, anything else 200", async () => {
    const b = t.browser()
    expect((await page(b, "/auth/error?error=AccessDenied")).status).toBe(403)
    expect((await page(b, "/auth/error?error=Verification")).status).toBe(403)
    expect((await page(b, "/auth/error?error=Whatever")).status).toBe(200)
    expect((await page(b, "/auth/error")).status).toBe(200)
    expect((await page(b, "/auth/error?error=%3Cscript%3Ealert(1)%3C%2Fscript%3E")).text).not.toContain("<script>")
    // Auth.js answers Configuration with 500; authfx shows the same page with 200 so that a query string
    // can never produce a 5xx.
    expect((await page(b, "/auth/error?error=Configuration")).status).toBe(200)
  })

  it("GET /auth/signout: a page whose form posts the CSRF token", async () => {
    const b = t.browser()
    const response = await b.get("/auth/signout")
    expect(response.status).toBe(200)
    expectSafePage(response)
    const forms = formsOf(parseDocument(await response.text()))
    expect(forms).toHaveLength(1)
    expect(forms[0]!.action).toBe(`${t.origin}/auth/signout`)
    expect(forms[0]!.inputs["csrfToken"]?.["value"]).toBe(b.cookies.get("authjs.csrf-token")!.split("|")[0])
  })
})

describe("GET /auth/jwks", () => {
  it("publishes nothing with the default secret (symmetric) keys", async () => {
    const response = await t.browser().get("/auth/jwks")
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toMatch(/^application\/jwk-set\+json/)
    expect(await response.json()).toStrictEqual({ keys: [] })
  })

  it("with ES256 session keys: the public key only, and session tokens verify against it with jose", async () => {
    const b = es256.browser()
    const response = await b.get("/auth/jwks")
    expect(response.status).toBe(200)
    const jwks = (await response.json()) as JSONWebKeySet
    expect(jwks.keys).toHaveLength(1)
    const key = jwks.keys[0]!
    expect(key).toMatchObject({ kty: "EC", crv: "P-256", kid: expect.any(String) })
    expect(key.x).toEqual(expect.any(String))
    expect(key.y).toEqual(expect.any(String))
    expect(key).not.toHaveProperty("d")

    await es256.credentialsSignIn(b)
    const token = b.cookies.get("authjs.session-token")!
    expect(token.split(".")).toHaveLength(3)
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "ES256", kid: key.kid })
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { algorithms: ["ES256"] })
    expect(payload).toMatchObject({ email: "ada@example.com", name: "Ada", sub: expect.any(String), jti: expect.any(String) })
    expect(payload.exp! - payload.iat!).toBeGreaterThanOrEqual(30 * 24 * 3600 - 1)

    // The same deployment's JWKS does not vouch for a token with a flipped signature bit.
    const [header, body, signature] = token.split(".") as [string, string, string]
    const flipped = `${header}.${body}.${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`
    await expect(jwtVerify(flipped, createLocalJWKSet(jwks))).rejects.toThrow()
  })
})
