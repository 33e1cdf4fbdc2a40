import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Browser } from "../../support/browser.ts"
import { startAuth } from "../../support/httpHarness.ts"
import { profile, testProviders } from "../../support/memoryHarness.ts"
import { rawRequest } from "../../support/rawRequest.ts"
import { type SetCookie, setCookies } from "../../support/setCookies.ts"

/**
 * Every cookie is HttpOnly, SameSite=Lax, Path=/; on https it is Secure with Auth.js's `__Secure-` names
 * and `__Host-` for the CSRF cookie (which therefore has no Domain); a configured domain goes on the
 * session cookie only.
 */

type Auth = Awaited<ReturnType<typeof startAuth>>
const started: Array<Auth> = []
const start = async (overrides: Parameters<typeof startAuth>[0]) => {
  const auth = await startAuth(overrides)
  started.push(auth)
  return auth
}
afterAll(async () => {
  for (const auth of started) await auth.auth.dispose()
})

let serial = 0

/** Runs every flow that sets a cookie (CSRF, OAuth start and callback, credentials, sign-out) and collects every Set-Cookie. */
const everyCookie = async (auth: Auth): Promise<ReadonlyArray<SetCookie>> => {
  const seen: Array<SetCookie> = []
  const keep = (response: Response) => {
    seen.push(...setCookies(response))
    return response
  }
  const b: Browser = auth.browser()
  keep(await b.get("/auth/csrf"))
  const csrfToken = await b.csrfToken()
  const start = keep(await b.post("/auth/signin/github", { csrfToken, callbackUrl: "/after" }))
  const id = `cookie-${++serial}`
  const params = await auth.approve(start.headers.get("location")!, profile(id, `${id}@example.com`, true))
  keep(await b.get(`/auth/callback/github?${new URLSearchParams(params)}`))
  // A signed-in browser's CSRF token is bound to its session (src/http/csrf/csrfToken.ts): each POST asks for the current one.
  keep(await b.post("/auth/callback/credentials", { csrfToken: await b.csrfToken(), username: "ada", password: "correct horse", callbackUrl: "/x" }))
  keep(await b.post("/auth/signout", { csrfToken: await b.csrfToken() }))
  return seen
}

const namesOf = (cookies: ReadonlyArray<SetCookie>) => [...new Set(cookies.map((c) => c.name))].sort()

describe("on https (url https://app.example.com/auth)", () => {
  let cookies: ReadonlyArray<SetCookie>
  beforeAll(async () => {
    cookies = await everyCookie(await start({ http: { url: "https://app.example.com/auth" } }))
  })

  it("uses Auth.js's prefixed names", () => {
    expect(namesOf(cookies)).toEqual([
      "__Host-authjs.csrf-token",
      "__Host-authjs.oauth-checks",
      "__Secure-authjs.callback-url",
      "__Secure-authjs.session-token"
    ])
  })

  it("sets every cookie (and every expiry) Secure; HttpOnly; SameSite=Lax; Path=/", () => {
    expect(cookies.length).toBeGreaterThanOrEqual(6)
    for (const cookie of cookies) {
      expect(cookie.attributes.get("secure"), cookie.raw).toBe("")
      expect(cookie.attributes.get("httponly"), cookie.raw).toBe("")
      expect(cookie.attributes.get("samesite"), cookie.raw).toBe("Lax")
      expect(cookie.attributes.get("path"), cookie.raw).toBe("/")
      expect(cookie.attributes.has("domain"), cookie.raw).toBe(false)
    }
  })

  it("gives the session cookie an expiry, and the CSRF and callback-url cookies none (browser-session cookies)", () => {
    const live = cookies.filter((c) => !c.expired)
    for (const cookie of live.filter((c) => c.name === "__Secure-authjs.session-token")) {
      expect(new Date(cookie.attributes.get("expires")!).getTime()).toBeGreaterThan(Date.now() + 29 * 24 * 3600 * 1000)
    }
    for (const cookie of live.filter((c) => c.name === "__Host-authjs.csrf-token" || c.name === "__Secure-authjs.callback-url")) {
      expect(cookie.attributes.has("expires"), cookie.raw).toBe(false)
      expect(cookie.attributes.has("max-age"), cookie.raw).toBe(false)
    }
  })

  it("ignores the unprefixed names an http deployment would use", async () => {
    const auth = await start({ http: { url: "https://app.example.com/auth" } })
    const plain = auth.browser()
    await auth.credentialsSignIn(plain)
    const token = plain.cookies.get("__Secure-authjs.session-token")!
    const response = await auth.auth.handler(
      rawRequest(auth.origin, "/auth/session", { headers: { cookie: `authjs.session-token=${token}` } })
    )
    expect(await response.text()).toBe("null")
    expect(response.headers.getSetCookie()).toEqual([])
  })
})

describe("with cookies.domain .example.com", () => {
  let cookies: ReadonlyArray<SetCookie>
  beforeAll(async () => {
    cookies = await everyCookie(await start({ http: { url: "https://app.example.com/auth", cookies: { domain: ".example.com" } } }))
  })

  it("puts Domain=.example.com on the session cookie, its sign-out expiry included", () => {
    const session = cookies.filter((c) => c.name === "__Secure-authjs.session-token")
    expect(session.some((c) => c.expired)).toBe(true)
    expect(session.some((c) => !c.expired)).toBe(true)
    for (const cookie of session) expect(cookie.attributes.get("domain"), cookie.raw).toBe(".example.com")
  })

  it("keeps the CSRF (__Host-), callback-url and OAuth cookies on the host", () => {
    const others = cookies.filter((c) => c.name !== "__Secure-authjs.session-token")
    expect(namesOf(others)).toEqual(["__Host-authjs.csrf-token", "__Host-authjs.oauth-checks", "__Secure-authjs.callback-url"])
    for (const cookie of others) expect(cookie.attributes.has("domain"), cookie.raw).toBe(false)
  })
})

describe("on http", () => {
  let cookies: ReadonlyArray<SetCookie>
  beforeAll(async () => {
    cookies = await everyCookie(await start({}))
  })

  it("uses the names without prefixes", () => {
    expect(namesOf(cookies)).toEqual(["authjs.callback-url", "authjs.csrf-token", "authjs.oauth-checks", "authjs.session-token"])
  })

  it("sets no Secure, and still HttpOnly; SameSite=Lax; Path=/", () => {
    for (const cookie of cookies) {
      expect(cookie.attributes.has("secure"), cookie.raw).toBe(false)
      expect(cookie.attributes.get("httponly"), cookie.raw).toBe("")
      expect(cookie.attributes.get("samesite"), cookie.raw).toBe("Lax")
      expect(cookie.attributes.get("path"), cookie.raw).toBe("/")
    }
  })

  it("with cookies.secure: true (TLS ends before us) uses the secure names and Secure", async () => {
    const secure = await everyCookie(await start({ http: { url: "http://localhost:3000/auth", cookies: { secure: true } } }))
    expect(namesOf(secure)).toEqual([
      "__Host-authjs.csrf-token",
      "__Host-authjs.oauth-checks",
      "__Secure-authjs.callback-url",
      "__Secure-authjs.session-token"
    ])
    for (const cookie of secure) expect(cookie.attributes.get("secure"), cookie.raw).toBe("")
  })
})

describe("a custom cookies.prefix", () => {
  it("names every cookie with it on https", async () => {
    const cookies = await everyCookie(await start({ http: { url: "https://app.example.com/auth", cookies: { prefix: "myapp" } } }))
    expect(namesOf(cookies)).toEqual([
      "__Host-myapp.csrf-token",
      "__Host-myapp.oauth-checks",
      "__Secure-myapp.callback-url",
      "__Secure-myapp.session-token"
    ])
  })

  it("names every cookie with it on http, and ignores authjs.* cookies", async () => {
    const auth = await start({ http: { url: "http://localhost:3000/auth", cookies: { prefix: "myapp" } } })
    expect(namesOf(await everyCookie(auth))).toEqual(["myapp.callback-url", "myapp.csrf-token", "myapp.oauth-checks", "myapp.session-token"])
    const b = auth.browser()
    await auth.credentialsSignIn(b)
    const response = await auth.auth.handler(rawRequest(auth.origin, "/auth/session", {
      headers: { cookie: `authjs.session-token=${b.cookies.get("myapp.session-token")!}` }
    }))
    expect(await response.text()).toBe("null")
  })

  it.each(["a;b", "a b", "a=b", "", "ä"])("refuses %j at start-up", async (prefix) => {
    await expect(startAuth({ http: { url: "http://localhost:3000/auth", cookies: { prefix } } })).rejects.toMatchObject({
      _tag: "HttpOptionsInvalid"
    })
  })
})

describe("behind a trusted proxy (trustHost, no url)", () => {
  let auth: Auth
  beforeAll(async () => {
    // No e-mail provider: its links need a configured URL, which would fix the origin these tests derive.
    auth = await start({ providers: testProviders.filter((p) => p.type !== "email"), http: { trustHost: true } })
  })

  const csrfCookieOf = async (headers: Record<string, string>) => {
    const response = await auth.auth.handler(rawRequest("http://internal:8080", "/auth/csrf", { headers }))
    expect(response.status).toBe(200)
    const [cookie] = setCookies(response)
    return cookie!
  }

  it("X-Forwarded-Proto: https makes the cookies secure", async () => {
    const cookie = await csrfCookieOf({ host: "app.example.com", "x-forwarded-proto": "https" })
    expect(cookie.name).toBe("__Host-authjs.csrf-token")
    expect(cookie.attributes.get("secure")).toBe("")
  })

  it("plain http stays plain", async () => {
    const cookie = await csrfCookieOf({ host: "app.example.com", "x-forwarded-proto": "http" })
    expect(cookie.name).toBe("authjs.csrf-token")
    expect(cookie.attributes.has("secure")).toBe(false)
  })
})
