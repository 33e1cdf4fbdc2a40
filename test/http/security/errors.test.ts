import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { ProviderId } from "../../../src/domain/Account.ts"
import { CredentialsSignin } from "../../../src/domain/SignInError.ts"
import type { Browser } from "../../support/browser.ts"
import { startAuth } from "../../support/httpHarness.ts"
import { github, profile, testProviders } from "../../support/memoryHarness.ts"
import { rawRequest } from "../../support/rawRequest.ts"
import { cookieChanges, setCookieNamed } from "../../support/setCookies.ts"

/** The error mapping end to end: one case per Auth.js code, each with its exact redirect. */

type Auth = Awaited<ReturnType<typeof startAuth>>
let t: Auth
let refusing: Auth
let ownPages: Auth
let failing: Auth
let unserializable: Auth

const origin = "http://localhost:3000"
const signInError = (code: string) => `${origin}/auth/signin?error=${code}`
const errorPage = (code: string) => `${origin}/auth/error?error=${code}`

beforeAll(async () => {
  t = await startAuth()
  refusing = await startAuth({
    callbacks: { signIn: ({ user }) => user.email !== "refused@example.com" },
    providers: [
      ...testProviders.filter((p) => p.type !== "credentials"),
      {
        type: "credentials",
        id: "credentials" as ProviderId,
        name: "Password",
        fields: { username: { label: "Username", type: "text" } },
        trustEmail: false,
        authorize: (input) => {
          if (input["username"] === "locked") throw new CredentialsSignin({ code: "locked" })
          if (input["username"] === "crash") throw new Error("the application's database is down")
          return null
        }
      }
    ]
  })
  ownPages = await startAuth({ pages: { signIn: "/login", error: "/oops" } })
  failing = await startAuth({ callbacks: { jwt: ({ token, user }) => (user?.email === "nojwt@example.com" ? null : token) } })
  // A jwt callback putting a value in the claims that JSON cannot hold (a BigInt from a database driver, say).
  unserializable = await startAuth({ callbacks: { jwt: ({ token }) => ({ ...token, balance: BigInt(10) as unknown }) } })
})
afterAll(async () => {
  for (const auth of [t, refusing, ownPages, failing, unserializable]) await auth.auth.dispose()
})

let serial = 0
const unique = () => `errors-${++serial}`

const expectRedirect = (response: Response, location: string) => {
  expect(response.status).toBe(302)
  expect(response.headers.get("location")).toBe(location)
}

const expectNoSession = async (auth: Auth, b: Browser, response: Response) => {
  expect(setCookieNamed(response, "authjs.session-token")).toBeUndefined()
  expect(await auth.session(b)).toBeNull()
}

/** Starts a github sign-in in `b` and returns the IdP's approval parameters for `who`. */
const approvedAt = async (auth: Auth, b: Browser, who = profile(unique(), `${unique()}@example.com`, true)) => {
  const start = await b.post("/auth/signin/github", { csrfToken: await b.csrfToken(), callbackUrl: "/" })
  return auth.approve(start.headers.get("location")!, who)
}

describe("CredentialsSignin", () => {
  it("a wrong password → /signin?error=CredentialsSignin&code=credentials, no session", async () => {
    const b = t.browser()
    const response = await t.credentialsSignIn(b, "ada", "wrong")
    expectRedirect(response, `${signInError("CredentialsSignin")}&code=credentials`)
    await expectNoSession(t, b, response)
  })

  it("an unknown user gets the same answer", async () => {
    const b = t.browser()
    expectRedirect(await t.credentialsSignIn(b, "nobody", "x"), `${signInError("CredentialsSignin")}&code=credentials`)
  })

  it("authorize throwing CredentialsSignin with its own code → &code=locked", async () => {
    const b = refusing.browser()
    const response = await b.post("/auth/callback/credentials", { csrfToken: await b.csrfToken(), username: "locked" })
    expectRedirect(response, `${signInError("CredentialsSignin")}&code=locked`)
  })

  it("authorize throwing anything else → /error?error=Configuration, not a 5xx", async () => {
    const b = refusing.browser()
    const response = await b.post("/auth/callback/credentials", { csrfToken: await b.csrfToken(), username: "crash" })
    expectRedirect(response, errorPage("Configuration"))
  })

  it("GET /callback/credentials (credentials are posted) is a clear 400", async () => {
    const response = await t.browser().get("/auth/callback/credentials?username=ada&password=correct+horse")
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: "BadRequest" })
  })
})

describe("OAuthAccountNotLinked", () => {
  it("a github profile carrying an existing user's e-mail → /signin?error=OAuthAccountNotLinked, no session", async () => {
    const email = `${unique()}@example.com`
    const owner = t.browser()
    await owner.post("/auth/signin/email", { csrfToken: await owner.csrfToken(), email })
    await owner.get(await t.mailedLink(email))
    expect(await t.session(owner)).toMatchObject({ user: { email } })

    const b = t.browser()
    const response = await t.oauthSignIn(b, "github", profile(unique(), email, true))
    expectRedirect(response, signInError("OAuthAccountNotLinked"))
    await expectNoSession(t, b, response)
  })

  it("linking a provider account that belongs to another user → OAuthAccountNotLinked", async () => {
    const taken = profile(unique(), `${unique()}@example.com`, true)
    await t.oauthSignIn(t.browser(), "github", taken)
    const b = t.browser()
    await t.credentialsSignIn(b)
    const start = await b.post("/auth/link/github", { csrfToken: await b.csrfToken() })
    const params = await t.approve(start.headers.get("location")!, taken)
    expectRedirect(await b.get(`/auth/callback/github?${new URLSearchParams(params)}`), signInError("OAuthAccountNotLinked"))
    expect(await t.session(b)).toMatchObject({ user: { name: "Ada" } })
  })

  it("signing in (not linking) with it while signed in as someone else signs in as its owner", async () => {
    const email = `${unique()}@example.com`
    const taken = profile(unique(), email, true)
    await t.oauthSignIn(t.browser(), "github", taken)
    const b = t.browser()
    await t.credentialsSignIn(b)
    expect((await t.oauthSignIn(b, "github", taken)).status).toBe(302)
    expect(await t.session(b)).toMatchObject({ user: { email } })
  })
})

describe("OAuthCallbackError", () => {
  it("a wrong state → /signin?error=OAuthCallbackError, no session", async () => {
    const b = t.browser()
    const params = await approvedAt(t, b)
    const response = await b.get(`/auth/callback/github?${new URLSearchParams({ ...params, state: "forged-state" })}`)
    expectRedirect(response, signInError("OAuthCallbackError"))
    await expectNoSession(t, b, response)
  })

  it("a missing checks cookie → OAuthCallbackError", async () => {
    const b = t.browser()
    const params = await approvedAt(t, b)
    b.cookies.delete("authjs.oauth-checks")
    const response = await b.get(`/auth/callback/github?${new URLSearchParams(params)}`)
    expectRedirect(response, signInError("OAuthCallbackError"))
    await expectNoSession(t, b, response)
  })

  it("a garbage checks cookie → OAuthCallbackError, and the cookie is cleared", async () => {
    const b = t.browser()
    const params = await approvedAt(t, b)
    b.cookies.set("authjs.oauth-checks", "a.b.c.d.e")
    const response = await b.get(`/auth/callback/github?${new URLSearchParams(params)}`)
    expectRedirect(response, signInError("OAuthCallbackError"))
    expect(setCookieNamed(response, "authjs.oauth-checks")?.expired).toBe(true)
  })

  it("the checks cookie of a github flow at the google callback → OAuthCallbackError", async () => {
    const b = t.browser()
    const params = await approvedAt(t, b)
    expectRedirect(await b.get(`/auth/callback/google?${new URLSearchParams(params)}`), signInError("OAuthCallbackError"))
  })

  it("a replayed callback → OAuthCallbackError (the checks cookie was spent)", async () => {
    const b = t.browser()
    const params = await approvedAt(t, b)
    const url = `/auth/callback/github?${new URLSearchParams(params)}`
    expect((await b.get(url)).headers.get("location")).toBe(`${origin}/`)
    expectRedirect(await b.get(url), signInError("OAuthCallbackError"))
  })

  it("the provider answering an error other than access_denied → OAuthCallbackError", async () => {
    const b = t.browser()
    const start = await b.post("/auth/signin/github", { csrfToken: await b.csrfToken() })
    const params = await t.deny(start.headers.get("location")!, "server_error")
    expectRedirect(await b.get(`/auth/callback/github?${new URLSearchParams(params)}`), signInError("OAuthCallbackError"))
  })

  it("the provider being down at sign-in → OAuthCallbackError, not a 5xx", async () => {
    await Effect.runPromise(t.script.setOutage(github, true))
    try {
      const b = t.browser()
      expectRedirect(await b.post("/auth/signin/github", { csrfToken: await b.csrfToken() }), signInError("OAuthCallbackError"))
    } finally {
      await Effect.runPromise(t.script.setOutage(github, false))
    }
  })

  it("a link flow whose user signed out before the callback → /signin?error=SessionRequired", async () => {
    const b = t.browser()
    await t.credentialsSignIn(b)
    const start = await b.post("/auth/link/github", { csrfToken: await b.csrfToken() })
    const params = await t.approve(start.headers.get("location")!, profile(unique(), null, false))
    await b.post("/auth/signout", { csrfToken: await b.csrfToken() })
    expectRedirect(await b.get(`/auth/callback/github?${new URLSearchParams(params)}`), signInError("SessionRequired"))
  })
})

describe("AccessDenied", () => {
  it("the person denying at the provider → /error?error=AccessDenied", async () => {
    const b = t.browser()
    const start = await b.post("/auth/signin/github", { csrfToken: await b.csrfToken() })
    const params = await t.deny(start.headers.get("location")!)
    const response = await b.get(`/auth/callback/github?${new URLSearchParams(params)}`)
    expectRedirect(response, errorPage("AccessDenied"))
    await expectNoSession(t, b, response)
  })

  it("the signIn callback answering false (OAuth) → /error?error=AccessDenied, no session", async () => {
    const b = refusing.browser()
    const response = await refusing.oauthSignIn(b, "github", profile(unique(), "refused@example.com", true))
    expectRedirect(response, errorPage("AccessDenied"))
    await expectNoSession(refusing, b, response)
  })

  it("the signIn callback answering false (e-mail) → /error?error=AccessDenied, and no mail", async () => {
    const b = refusing.browser()
    const before = await Effect.runPromise(refusing.outbox.accepted)
    const response = await b.post("/auth/signin/email", { csrfToken: await b.csrfToken(), email: "refused@example.com" })
    expectRedirect(response, errorPage("AccessDenied"))
    expect(await Effect.runPromise(refusing.outbox.accepted)).toBe(before)
  })

  it("the jwt callback answering null at sign-in → /error?error=AccessDenied, no session", async () => {
    const b = failing.browser()
    const response = await failing.oauthSignIn(b, "github", profile(unique(), "nojwt@example.com", true))
    expectRedirect(response, errorPage("AccessDenied"))
    await expectNoSession(failing, b, response)
  })
})

describe("Configuration", () => {
  it("a jwt callback that throws → /error?error=Configuration, no session", async () => {
    const throwing = await startAuth({ callbacks: { jwt: () => { throw new Error("the application's bug") } } })
    try {
      const b = throwing.browser()
      const response = await throwing.credentialsSignIn(b)
      expectRedirect(response, errorPage("Configuration"))
      await expectNoSession(throwing, b, response)
    } finally {
      await throwing.auth.dispose()
    }
  })

  // Like a throwing callback or an oversized token: claims a token cannot carry are the application's
  // configuration problem, shown as such, never a 5xx.
  it("a jwt callback returning claims JSON cannot encode (a BigInt) → /error?error=Configuration, not a 5xx", async () => {
    const b = unserializable.browser()
    const response = await unserializable.credentialsSignIn(b)
    expect(response.status).toBe(302)
    expect(response.headers.get("location")).toBe(errorPage("Configuration"))
  })
})

describe("Verification", () => {
  const link = async (auth: Auth) => {
    const b = auth.browser()
    const email = `${unique()}@example.com`
    await b.post("/auth/signin/email", { csrfToken: await b.csrfToken(), email })
    return { b, email, link: new URL(await auth.mailedLink(email), origin) }
  }

  it("a used link → /error?error=Verification", async () => {
    const { b, link: url } = await link(t)
    expect((await b.get(url.pathname + url.search)).headers.get("location")).toBe(`${origin}/`)
    const again = t.browser()
    const response = await again.get(url.pathname + url.search)
    expectRedirect(response, errorPage("Verification"))
    await expectNoSession(t, again, response)
  })

  const forged: ReadonlyArray<readonly [string, (url: URL) => void]> = [
    ["a wrong token", (url) => url.searchParams.set("token", "0".repeat(64))],
    ["another address", (url) => url.searchParams.set("email", "someone-else@example.com")],
    ["no token", (url) => url.searchParams.delete("token")],
    ["no email", (url) => url.searchParams.delete("email")],
    ["a 10 KB token", (url) => url.searchParams.set("token", "a".repeat(10 * 1024))],
    ["an invalid address", (url) => url.searchParams.set("email", "not-an-address")]
  ]
  it.each(forged)("a link with %s → /error?error=Verification, no session", async (_, change) => {
    const { b, link: url } = await link(t)
    change(url)
    const response = await b.get(url.pathname + url.search)
    expectRedirect(response, errorPage("Verification"))
    await expectNoSession(t, b, response)
  })
})

describe("EmailSignin", () => {
  it.each(["not-an-email", "a@b@example.com", "\"quoted\"@example.com", "", "ada@localhost", " @example.com", "x".repeat(400) + "@example.com"])(
    "the address %j → /signin?error=EmailSignin, and no mail",
    async (email) => {
      const b = t.browser()
      const before = await Effect.runPromise(t.outbox.accepted)
      const response = await b.post("/auth/signin/email", { csrfToken: await b.csrfToken(), email })
      expectRedirect(response, signInError("EmailSignin"))
      expect(await Effect.runPromise(t.outbox.accepted)).toBe(before)
    }
  )
})

describe("X-Auth-Return-Redirect: 1", () => {
  const header = { "x-auth-return-redirect": "1" }

  const expectUrl = async (response: Response, url: string) => {
    expect(response.status).toBe(200)
    expect(response.headers.get("location")).toBeNull()
    expect(response.headers.get("content-type")).toMatch(/^application\/json/)
    expect(await response.json()).toEqual({ url })
  }

  it("a successful credentials sign-in → 200 {url}, with the session cookie set", async () => {
    const b = t.browser()
    const response = await b.post("/auth/callback/credentials", {
      csrfToken: await b.csrfToken(),
      username: "ada",
      password: "correct horse",
      callbackUrl: "/home"
    }, header)
    await expectUrl(response, `${origin}/home`)
    expect(cookieChanges(response).set).toEqual(["authjs.callback-url", "authjs.session-token"])
    expect(await t.session(b)).toMatchObject({ user: { name: "Ada" } })
  })

  it("a failed credentials sign-in → 200 {url: …?error=CredentialsSignin&code=credentials}", async () => {
    const b = t.browser()
    const response = await b.post("/auth/callback/credentials", { csrfToken: await b.csrfToken(), username: "ada", password: "no" }, header)
    await expectUrl(response, `${signInError("CredentialsSignin")}&code=credentials`)
  })

  it("a refused CSRF check → 200 {url: …?error=MissingCSRF}", async () => {
    await expectUrl(await t.browser().post("/auth/signout", { csrfToken: "x" }, header), signInError("MissingCSRF"))
  })

  it("POST /signin/github → 200 {url: the authorization URL}, with the checks cookie set", async () => {
    const b = t.browser()
    const response = await b.post("/auth/signin/github", { csrfToken: await b.csrfToken() }, header)
    expect(response.status).toBe(200)
    const { url } = (await response.json()) as { readonly url: string }
    expect(new URL(url).origin).toBe("https://github.idp.test")
    expect(setCookieNamed(response, "authjs.oauth-checks")?.expired).toBe(false)
  })

  it("POST /signin/email → 200 {url: /verify-request}", async () => {
    const b = t.browser()
    const response = await b.post("/auth/signin/email", { csrfToken: await b.csrfToken(), email: `${unique()}@example.com` }, header)
    await expectUrl(response, `${origin}/auth/verify-request?provider=email&type=email`)
  })

  it("POST /signout → 200 {url}, with the session cookie cleared", async () => {
    const b = t.browser()
    await t.credentialsSignIn(b)
    const response = await b.post("/auth/signout", { csrfToken: await b.csrfToken(), callbackUrl: "/bye" }, header)
    await expectUrl(response, `${origin}/bye`)
    expect(setCookieNamed(response, "authjs.session-token")?.expired).toBe(true)
  })

  it("an OAuth error → 200 {url: …?error=OAuthCallbackError}, with the checks cookie cleared", async () => {
    const b = t.browser()
    const params = await approvedAt(t, b)
    const response = await b.get(`/auth/callback/github?${new URLSearchParams({ ...params, state: "x" })}`, header)
    await expectUrl(response, signInError("OAuthCallbackError"))
    expect(setCookieNamed(response, "authjs.oauth-checks")?.expired).toBe(true)
  })

  it("AccessDenied → 200 {url: /error?error=AccessDenied}", async () => {
    const b = t.browser()
    const start = await b.post("/auth/signin/github", { csrfToken: await b.csrfToken() })
    const params = await t.deny(start.headers.get("location")!)
    await expectUrl(await b.get(`/auth/callback/github?${new URLSearchParams(params)}`, header), errorPage("AccessDenied"))
  })

  it("any other value of the header keeps the 302", async () => {
    const b = t.browser()
    expectRedirect(await b.post("/auth/signout", { csrfToken: "x" }, { "x-auth-return-redirect": "true" }), signInError("MissingCSRF"))
  })
})

describe("pages: { signIn: /login, error: /oops }", () => {
  it("sign-in errors go to /login?error=", async () => {
    const b = ownPages.browser()
    expectRedirect(await ownPages.credentialsSignIn(b, "ada", "wrong"), `${origin}/login?error=CredentialsSignin&code=credentials`)
    expectRedirect(await b.post("/auth/signout", { csrfToken: "x" }), `${origin}/login?error=MissingCSRF`)
  })

  it("other errors go to /oops?error=", async () => {
    const b = ownPages.browser()
    const start = await b.post("/auth/signin/github", { csrfToken: await b.csrfToken() })
    const params = await ownPages.deny(start.headers.get("location")!)
    expectRedirect(await b.get(`/auth/callback/github?${new URLSearchParams(params)}`), `${origin}/oops?error=AccessDenied`)
  })

  it("GET /auth/error and GET /auth/signin forward there", async () => {
    const b = ownPages.browser()
    expectRedirect(await b.get("/auth/error?error=Verification"), `${origin}/oops?error=Verification`)
    expectRedirect(await b.get("/auth/signin?error=OAuthCallbackError"), `${origin}/login?callbackUrl=${encodeURIComponent(`${origin}/`)}&error=OAuthCallbackError`)
  })
})

describe("routing", () => {
  const send = (method: string, path: string) => t.auth.handler(rawRequest(origin, path, { method }))

  it.each([
    ["POST", "/auth/callback/nope"],
    ["GET", "/auth/callback/nope"]
  ])("%s %s (an unknown provider) → 404 JSON", async (method, path) => {
    const response = await send(method, path)
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({ error: "UnknownProvider", message: "No provider with this id is configured." })
  })

  it("POST /signin/nope with a valid CSRF token → 404 JSON UnknownProvider", async () => {
    const b = t.browser()
    const response = await b.post("/auth/signin/nope", { csrfToken: await b.csrfToken() })
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({ error: "UnknownProvider" })
  })

  it.each(["nope", "email", "credentials"])("POST /link/%s (not an OAuth provider) while signed in → 404 JSON UnknownProvider", async (provider) => {
    const b = t.browser()
    await t.credentialsSignIn(b)
    const response = await b.post(`/auth/link/${provider}`, { csrfToken: await b.csrfToken() })
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({ error: "UnknownProvider" })
  })

  it("POST /link/github signed out → 401 JSON NotSignedIn", async () => {
    const b = t.browser()
    const response = await b.post("/auth/link/github", { csrfToken: await b.csrfToken() })
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({ error: "NotSignedIn" })
  })

  it.each([
    ["PUT", "/auth/session", "GET, POST"],
    ["DELETE", "/auth/session", "GET, POST"],
    ["PATCH", "/auth/csrf", "GET"],
    ["GET", "/auth/signin/github", "POST"],
    ["DELETE", "/auth/signout", "GET, POST"],
    ["PUT", "/auth/callback/github", "GET, POST"],
    ["POST", "/auth/providers", "GET"]
  ])("%s %s → 405 with Allow: %s", async (method, path, allow) => {
    const response = await send(method, path)
    expect(response.status).toBe(405)
    expect(response.headers.get("allow")).toBe(allow)
    expect(await response.json()).toMatchObject({ error: "MethodNotAllowed" })
  })

  it.each(["/auth/nope", "/auth/session/extra", "/auth/signin/github/extra", "/auth/"])(
    "GET %s (an unknown action) → 404 JSON",
    async (path) => {
      const response = await send("GET", path)
      expect(response.status).toBe(404)
      expect(await response.json()).toEqual({ error: "NotFound", message: "No such action." })
    }
  )
})

describe("the error page", () => {
  it.each([
    ["Configuration", 200],
    ["AccessDenied", 403],
    ["Verification", 403],
    ["OAuthCallbackError", 200],
    ["Default", 200],
    ["", 200],
    ["<script>alert(1)</script>", 200],
    ["x".repeat(10 * 1024), 200]
  ])("?error=%s → %i HTML, never a 5xx", async (code, status) => {
    const response = await t.browser().get(`/auth/error?error=${encodeURIComponent(code)}`)
    expect(response.status).toBe(status)
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8")
    const html = await response.text()
    expect(html).not.toContain("<script>")
  })

  it("without ?error → 200", async () => {
    expect((await t.browser().get("/auth/error")).status).toBe(200)
  })

  it("with undecodable escapes → 200", async () => {
    expect((await t.auth.handler(rawRequest(origin, "/auth/error?error=%ff%fe%"))).status).toBe(200)
  })
})
