import { Effect } from "effect"
import { createHash, randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Browser } from "../../support/browser.ts"
import { startAuth, testSecret } from "../../support/httpHarness.ts"
import { profile } from "../../support/memoryHarness.ts"
import { rawRequest } from "../../support/rawRequest.ts"
import { cookieChanges, setCookieNamed, setCookies } from "../../support/setCookies.ts"

/**
 * Every state-changing POST is refused without a double-submit token bound to this deployment, or from
 * another origin — and a refused request changes nothing: no session, no mail, no sign-out, no update,
 * no unlink, no OAuth flow started.
 */

const csrfCookie = "authjs.csrf-token"
const otherSecret = "4v8Nl6vl1ksYj8b9xFG3wyh93iiRNJlsmuABRc8GTgZQ"

let t: Awaited<ReturnType<typeof startAuth>>
let other: Awaited<ReturnType<typeof startAuth>>
const counts = { signOuts: 0, updates: 0, unlinks: 0 }

beforeAll(async () => {
  t = await startAuth({
    callbacks: {
      jwt: ({ token, trigger, session }) => {
        if (trigger !== "update") return token
        counts.updates++
        const note = (session as { readonly note?: unknown } | undefined)?.note
        return { ...token, note: typeof note === "string" ? note : null }
      },
      session: ({ session, token }) => ({ ...session, note: token?.["note"] ?? null })
    },
    events: {
      signOut: () => void counts.signOuts++,
      unlinkAccount: () => void counts.unlinks++
    }
  })
  other = await startAuth({ secret: otherSecret })
})
afterAll(async () => {
  await t.auth.dispose()
  await other.auth.dispose()
})

let serial = 0
const nextId = () => `csrf-${++serial}`

/** Everything a refused POST must leave as it was, seen from the victim's browser and the server's side. */
const world = async (b: Browser) => {
  const accounts = await b.get("/auth/accounts")
  return {
    mails: await Effect.runPromise(t.outbox.accepted),
    session: await t.session(b),
    accounts: accounts.status === 200 ? await accounts.json() : accounts.status,
    oauthFlowStarted: b.cookies.has("authjs.oauth-checks"),
    ...counts
  }
}

/**
 * Signs `b` in with google, then links github to the same user, so github can be unlinked (and the session,
 * signed in with google, outlives the unlink).
 */
const githubAndGoogle = async (b: Browser) => {
  const id = nextId()
  await t.oauthSignIn(b, "google", profile(`go-${id}`, `${id}@example.com`, true))
  const start = await b.post("/auth/link/github", { csrfToken: await b.csrfToken() })
  expect(start.status).toBe(302)
  const params = await t.approve(start.headers.get("location")!, profile(`gh-${id}`, `${id}@example.com`, true))
  await b.get(`/auth/callback/github?${new URLSearchParams(params)}`)
  const accounts = (await (await b.get("/auth/accounts")).json()) as ReadonlyArray<{ readonly provider: string }>
  expect(accounts.map((a) => a.provider).sort()).toEqual(["github", "google"])
}

type Refusal = "browser" | "session" | "api"

interface RouteCase {
  readonly route: string
  readonly path: string
  readonly refusal: Refusal
  /** Brings the victim's browser to where the POST matters (signed in, …); it holds a valid CSRF cookie after. */
  readonly prepare: (b: Browser) => Promise<void>
  /** The body besides csrfToken. */
  readonly fields: () => Record<string, string>
  /** POST /session takes JSON, as Auth.js's client sends it. */
  readonly json?: boolean
  /** What an accepted POST does (the control: proves the refusals are refusals of something that works). */
  readonly accepted: (response: Response, b: Browser) => Promise<void>
}

const routes: ReadonlyArray<RouteCase> = [
  {
    route: "POST /signin/email",
    path: "/auth/signin/email",
    refusal: "browser",
    prepare: async () => {},
    fields: () => ({ email: `${nextId()}@example.com`, callbackUrl: "/" }),
    accepted: async (response) => {
      expect(response.status).toBe(302)
      expect(response.headers.get("location")).toBe(`${t.origin}/auth/verify-request?provider=email&type=email`)
    }
  },
  {
    route: "POST /signin/github",
    path: "/auth/signin/github",
    refusal: "browser",
    prepare: async () => {},
    fields: () => ({ callbackUrl: "/" }),
    accepted: async (response) => {
      expect(response.status).toBe(302)
      expect(new URL(response.headers.get("location")!).origin).toBe("https://github.idp.test")
      expect(setCookieNamed(response, "authjs.oauth-checks")?.expired).toBe(false)
    }
  },
  {
    route: "POST /callback/credentials",
    path: "/auth/callback/credentials",
    refusal: "browser",
    prepare: async () => {},
    fields: () => ({ username: "ada", password: "correct horse", callbackUrl: "/" }),
    accepted: async (response, b) => {
      expect(response.status).toBe(302)
      expect(response.headers.get("location")).toBe(`${t.origin}/`)
      expect(await t.session(b)).toMatchObject({ user: { email: "ada@example.com" } })
    }
  },
  {
    route: "POST /signout",
    path: "/auth/signout",
    refusal: "browser",
    prepare: async (b) => void await t.credentialsSignIn(b),
    fields: () => ({ callbackUrl: "/" }),
    accepted: async (response, b) => {
      expect(response.status).toBe(302)
      expect(await t.session(b)).toBeNull()
    }
  },
  {
    route: "POST /session",
    path: "/auth/session",
    refusal: "session",
    json: true,
    prepare: async (b) => void await t.credentialsSignIn(b),
    fields: () => ({ note: "changed" }),
    accepted: async (response) => {
      expect(response.status).toBe(200)
      expect(await response.json()).toMatchObject({ user: { email: "ada@example.com" }, note: "changed" })
    }
  },
  {
    route: "POST /link/github",
    path: "/auth/link/github",
    refusal: "api",
    prepare: async (b) => {
      const id = nextId()
      await t.oauthSignIn(b, "google", profile(`go-${id}`, `${id}@example.com`, true))
    },
    fields: () => ({ callbackUrl: "/" }),
    accepted: async (response) => {
      expect(response.status).toBe(302)
      expect(new URL(response.headers.get("location")!).origin).toBe("https://github.idp.test")
      expect(setCookieNamed(response, "authjs.oauth-checks")?.expired).toBe(false)
    }
  },
  {
    route: "POST /unlink/github",
    path: "/auth/unlink/github",
    refusal: "api",
    prepare: githubAndGoogle,
    fields: () => ({}),
    accepted: async (response, b) => {
      expect(response.status).toBe(200)
      expect(await response.json()).toMatchObject({ unlinked: { provider: "github" } })
      const accounts = (await (await b.get("/auth/accounts")).json()) as ReadonlyArray<{ readonly provider: string }>
      expect(accounts.map((a) => a.provider)).toEqual(["google"])
    }
  }
]

/** POSTs the route's body with `csrfToken` (omitted when undefined) from the victim's browser. */
const submit = (c: RouteCase, b: Browser, csrfToken: string | undefined, headers: Record<string, string> = {}) => {
  const token = csrfToken === undefined ? {} : { csrfToken }
  return c.json === true
    ? b.postJson(c.path, { ...token, data: c.fields() }, headers)
    : b.post(c.path, { ...c.fields(), ...token }, headers)
}

const expectRefused = async (c: RouteCase, response: Response) => {
  switch (c.refusal) {
    case "browser":
      expect(response.status).toBe(302)
      expect(response.headers.get("location")).toBe(`${t.origin}/auth/signin?error=MissingCSRF`)
      break
    case "session":
      expect(response.status).toBe(400)
      expect(await response.text()).toBe("null")
      break
    case "api":
      expect(response.status).toBe(403)
      expect(await response.json()).toEqual({ error: "MissingCSRF" })
      break
  }
  // No session, OAuth flow or callback target may come out of a refused request.
  const changed = cookieChanges(response)
  expect([...changed.set, ...changed.expired].filter((name) => name !== csrfCookie)).toEqual([])
}

const randomToken = () => randomBytes(32).toString("hex")

interface Attack {
  readonly name: string
  readonly send: (c: RouteCase, b: Browser) => Promise<Response>
}

const attacks: ReadonlyArray<Attack> = [
  { name: "no csrfToken", send: (c, b) => submit(c, b, undefined) },
  { name: "an empty csrfToken", send: (c, b) => submit(c, b, "") },
  { name: "a wrong token", send: (c, b) => submit(c, b, randomToken()) },
  {
    name: "the token of another browser's cookie",
    send: async (c, b) => submit(c, b, await t.browser().csrfToken())
  },
  {
    name: "the right token but no CSRF cookie",
    send: async (c, b) => {
      const token = await b.csrfToken()
      b.cookies.delete(csrfCookie)
      return submit(c, b, token)
    }
  },
  {
    name: "a forged cookie token|hash with a wrong hash",
    send: async (c, b) => {
      const token = randomToken()
      b.cookies.set(csrfCookie, `${token}|${"0".repeat(64)}`)
      return submit(c, b, token)
    }
  },
  {
    name: "a forged cookie hashed as Auth.js does, sha256(token + secret)",
    send: async (c, b) => {
      const token = randomToken()
      const hash = createHash("sha256").update(`${token}${testSecret}`).digest("hex")
      b.cookies.set(csrfCookie, `${token}|${hash}`)
      return submit(c, b, token)
    }
  },
  {
    name: "a cookie and its token made by another deployment (another secret)",
    send: async (c, b) => {
      const foreign = other.browser()
      const token = await foreign.csrfToken()
      b.cookies.set(csrfCookie, foreign.cookies.get(csrfCookie)!)
      return submit(c, b, token)
    }
  },
  {
    name: "a foreign Origin with the right token",
    send: async (c, b) => submit(c, b, await b.csrfToken(), { origin: "https://evil.example" })
  },
  {
    name: "Origin: null with the right token",
    send: async (c, b) => submit(c, b, await b.csrfToken(), { origin: "null" })
  },
  {
    name: "our origin on another port with the right token",
    send: async (c, b) => submit(c, b, await b.csrfToken(), { origin: "http://localhost:3001" })
  },
  {
    name: "Sec-Fetch-Site: cross-site with the right token",
    send: async (c, b) => submit(c, b, await b.csrfToken(), { "sec-fetch-site": "cross-site" })
  },
  {
    name: "the right token in the query string instead of the body",
    send: async (c, b) => {
      const csrfToken = await b.csrfToken()
      return c.json === true
        ? b.postJson(`${c.path}?csrfToken=${csrfToken}`, { data: c.fields() })
        : b.post(`${c.path}?csrfToken=${csrfToken}`, c.fields())
    }
  },
  {
    // What a cross-site <form enctype="text/plain"> can send without a CORS preflight.
    name: "the right token in a text/plain body",
    send: async (c, b) => {
      const csrfToken = await b.csrfToken()
      const body = c.json === true
        ? JSON.stringify({ csrfToken, data: c.fields() })
        : new URLSearchParams({ ...c.fields(), csrfToken }).toString()
      return t.auth.handler(rawRequest(t.origin, c.path, {
        from: b,
        method: "POST",
        body,
        headers: { "content-type": "text/plain", origin: t.origin }
      }))
    }
  }
]

describe.each(routes)("$route", (c) => {
  it.each(attacks)("is refused with $name, and nothing happens", async (attack) => {
    const b = t.browser()
    await c.prepare(b)
    await b.csrfToken()
    const before = await world(b)
    const response = await attack.send(c, b)
    await expectRefused(c, response)
    expect(await world(b)).toEqual(before)
  })

  it("is accepted from our own page: the right token, our Origin, Sec-Fetch-Site: same-origin", async () => {
    const b = t.browser()
    await c.prepare(b)
    const before = await world(b)
    const response = await submit(c, b, await b.csrfToken(), { "sec-fetch-site": "same-origin" })
    await c.accepted(response, b)
    expect(await world(b)).not.toEqual(before)
  })

  it("is accepted from a non-browser client: the right token, no Origin, no Sec-Fetch-Site", async () => {
    const b = t.browser()
    await c.prepare(b)
    const csrfToken = await b.csrfToken()
    const before = await world(b)
    const body = c.json === true
      ? JSON.stringify({ csrfToken, data: c.fields() })
      : new URLSearchParams({ ...c.fields(), csrfToken }).toString()
    const response = await t.auth.handler(rawRequest(t.origin, c.path, {
      from: b,
      method: "POST",
      body,
      headers: { "content-type": c.json === true ? "application/json" : "application/x-www-form-urlencoded" }
    }))
    // The browser did not see this response; take its cookies as it would have.
    for (const cookie of setCookies(response)) {
      if (cookie.expired) b.cookies.delete(cookie.name)
      else b.cookies.set(cookie.name, cookie.value)
    }
    await c.accepted(response, b)
    expect(await world(b)).not.toEqual(before)
  })
})

describe("GET /csrf", () => {
  it("issues a 64-hex token and an HttpOnly, SameSite=Lax, Path=/ session cookie holding token|hash", async () => {
    const response = await t.browser().get("/auth/csrf")
    expect(response.status).toBe(200)
    expect(response.headers.get("cache-control")).toBe("private, no-cache, no-store")
    const { csrfToken } = (await response.json()) as { readonly csrfToken: string }
    expect(csrfToken).toMatch(/^[0-9a-f]{64}$/)
    const cookie = setCookieNamed(response, csrfCookie)!
    expect(cookie.value).toMatch(new RegExp(`^${csrfToken}\\|[0-9a-f]{64}$`))
    expect(Object.fromEntries(cookie.attributes)).toEqual({ path: "/", httponly: "", samesite: "Lax" })
  })

  it("reuses the token of a valid cookie and sets no cookie", async () => {
    const b = t.browser()
    const first = await b.csrfToken()
    const again = await b.get("/auth/csrf")
    expect(((await again.json()) as { readonly csrfToken: string }).csrfToken).toBe(first)
    expect(again.headers.getSetCookie()).toEqual([])
  })

  it("lets no other origin read the token: no CORS headers, even when a foreign Origin asks", async () => {
    const b = t.browser()
    for (const path of ["/auth/csrf", "/auth/session"]) {
      const response = await b.get(path, { origin: "https://evil.example" })
      expect(response.status).toBe(200)
      expect([...response.headers.keys()].filter((name) => name.startsWith("access-control-"))).toEqual([])
      expect(response.headers.get("cache-control")).toBe("private, no-cache, no-store")
    }
  })

  it("gives every browser its own token", async () => {
    expect(await t.browser().csrfToken()).not.toBe(await t.browser().csrfToken())
  })

  const invalid: ReadonlyArray<readonly [string, () => Promise<string>]> = [
    ["garbage", async () => "garbage"],
    ["an empty value", async () => ""],
    ["a token without a hash", async () => randomToken()],
    ["a wrong hash", async () => `${randomToken()}|${"0".repeat(64)}`],
    ["a token that is not 64 hex", async () => `${"g".repeat(64)}|${"0".repeat(64)}`],
    ["another deployment's cookie", async () => {
      const foreign = other.browser()
      await foreign.csrfToken()
      return foreign.cookies.get(csrfCookie)!
    }]
  ]
  it.each(invalid)("replaces %s with a new token that then works", async (_, make) => {
    const b = t.browser()
    const planted = await make()
    b.cookies.set(csrfCookie, planted)
    const response = await b.get("/auth/csrf")
    const { csrfToken } = (await response.json()) as { readonly csrfToken: string }
    expect(csrfToken).toMatch(/^[0-9a-f]{64}$/)
    expect(planted.startsWith(csrfToken)).toBe(false)
    const cookie = setCookieNamed(response, csrfCookie)!
    expect(cookie.expired).toBe(false)
    expect(cookie.value.startsWith(`${csrfToken}|`)).toBe(true)
    const signedIn = await b.post("/auth/callback/credentials", { csrfToken, username: "ada", password: "correct horse" })
    expect(signedIn.headers.get("location")).toBe(`${t.origin}/`)
  })
})
