import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { decodeEntities } from "../pages/parseHtml.ts"
import { startAuth } from "../../support/httpHarness.ts"
import { profile } from "../../support/memoryHarness.ts"
import { rawFormPost, rawRequest } from "../../support/rawRequest.ts"
import { setCookieNamed } from "../../support/setCookies.ts"

/**
 * callbackUrl, wherever it comes from (form body, query, e-mail link, the callback-url cookie), leads only
 * to our own origin or an allow-listed one; anything else lands on the origin, and nothing is a 5xx.
 */

type Auth = Awaited<ReturnType<typeof startAuth>>
let t: Auth
let custom: Auth
let allowList: Auth
let hooks: Auth

beforeAll(async () => {
  t = await startAuth()
  custom = await startAuth({ pages: { signIn: "/login" } })
  allowList = await startAuth({ trust: { redirectOrigins: ["https://docs.example.com"] } })
  hooks = await startAuth({
    callbacks: {
      redirect: ({ url }) => (url.endsWith("/to-evil") ? "https://evil.example/" : url.endsWith("/throws") ? Promise.reject(new Error("boom")) : url),
      signIn: ({ user }) => (user.email === "redirect-evil@example.com" ? "https://evil.example/" : user.email === "redirect-own@example.com" ? "/blocked" : true)
    }
  })
})
afterAll(async () => {
  await t.auth.dispose()
  await custom.auth.dispose()
  await allowList.auth.dispose()
  await hooks.auth.dispose()
})

const origin = "http://localhost:3000"
const home = `${origin}/`
let serial = 0
const unique = () => `redirect-${++serial}`

/** Where a flow sends the browser in the end, for a callbackUrl given one way or another. */
interface Source {
  readonly name: string
  readonly finalTarget: (auth: Auth, callbackUrl: string) => Promise<string>
}

const expectSafe = (response: Response) => {
  expect(response.status).toBeLessThan(500)
  expect(response.status).toBe(302)
  return response.headers.get("location")!
}

const hiddenCallbackUrls = (html: string) =>
  [...html.matchAll(/name="callbackUrl" value="([^"]*)"/g)].map((m) => decodeEntities(m[1]!))

const sources: ReadonlyArray<Source> = [
  {
    name: "POST /callback/credentials body",
    finalTarget: async (auth, callbackUrl) => {
      const b = auth.browser()
      const response = await b.post("/auth/callback/credentials", {
        csrfToken: await b.csrfToken(),
        username: "ada",
        password: "correct horse",
        callbackUrl
      })
      const location = expectSafe(response)
      // What is remembered for later flows is the judged target, never the raw input.
      expect(setCookieNamed(response, "authjs.callback-url")?.value ?? location).toBe(location)
      return location
    }
  },
  {
    name: "POST /signout body",
    finalTarget: async (auth, callbackUrl) => {
      const b = auth.browser()
      await auth.credentialsSignIn(b)
      return expectSafe(await b.post("/auth/signout", { csrfToken: await b.csrfToken(), callbackUrl }))
    }
  },
  {
    name: "POST /signin/github body, after the OAuth round trip",
    finalTarget: async (auth, callbackUrl) => {
      const id = unique()
      return expectSafe(await auth.oauthSignIn(auth.browser(), "github", profile(id, `${id}@example.com`, true), callbackUrl))
    }
  },
  {
    name: "POST /link/github body, after the OAuth round trip",
    finalTarget: async (auth, callbackUrl) => {
      const b = auth.browser()
      const id = unique()
      await auth.oauthSignIn(b, "google", profile(`go-${id}`, `${id}@example.com`, true))
      const start = await b.post("/auth/link/github", { csrfToken: await b.csrfToken(), callbackUrl })
      expect(new URL(start.headers.get("location")!).origin).toBe("https://github.idp.test")
      const params = await auth.approve(start.headers.get("location")!, profile(id, null, false))
      return expectSafe(await b.get(`/auth/callback/github?${new URLSearchParams(params)}`))
    }
  },
  {
    name: "POST /signin/email body, after following the mailed link",
    finalTarget: async (auth, callbackUrl) => {
      const b = auth.browser()
      const email = `${unique()}@example.com`
      const sent = await b.post("/auth/signin/email", { csrfToken: await b.csrfToken(), email, callbackUrl })
      expect(sent.headers.get("location")).toBe(`${origin}/auth/verify-request?provider=email&type=email`)
      return expectSafe(await b.get(await auth.mailedLink(email)))
    }
  },
  {
    name: "the e-mail link's query, tampered with",
    finalTarget: async (auth, callbackUrl) => {
      const b = auth.browser()
      const email = `${unique()}@example.com`
      await b.post("/auth/signin/email", { csrfToken: await b.csrfToken(), email, callbackUrl: "/" })
      const link = new URL(await auth.mailedLink(email), origin)
      link.searchParams.set("callbackUrl", callbackUrl)
      return expectSafe(await b.get(link.pathname + link.search))
    }
  },
  {
    name: "the callback-url cookie, at POST /callback/credentials",
    finalTarget: async (auth, callbackUrl) => {
      const b = auth.browser()
      const csrfToken = await b.csrfToken()
      b.cookies.set("authjs.callback-url", callbackUrl)
      return expectSafe(await b.post("/auth/callback/credentials", { csrfToken, username: "ada", password: "correct horse" }))
    }
  },
  {
    name: "the callback-url cookie, at POST /signout",
    finalTarget: async (auth, callbackUrl) => {
      const b = auth.browser()
      const csrfToken = await b.csrfToken()
      b.cookies.set("authjs.callback-url", callbackUrl)
      return expectSafe(await b.post("/auth/signout", { csrfToken }))
    }
  },
  {
    name: "GET /signin?callbackUrl= (the built-in page's forms)",
    finalTarget: async (auth, callbackUrl) => {
      const response = await auth.browser().get(`/auth/signin?callbackUrl=${encodeURIComponent(callbackUrl)}`)
      expect(response.status).toBe(200)
      const targets = new Set(hiddenCallbackUrls(await response.text()))
      expect(targets.size).toBe(1)
      return [...targets][0]!
    }
  },
  {
    name: "GET /signout page with the callback-url cookie",
    finalTarget: async (auth, callbackUrl) => {
      const b = auth.browser()
      b.cookies.set("authjs.callback-url", callbackUrl)
      const response = await b.get("/auth/signout")
      expect(response.status).toBe(200)
      const targets = hiddenCallbackUrls(await response.text())
      expect(targets).toHaveLength(1)
      return targets[0]!
    }
  }
]

/** Values that must land on the origin: other hosts, schemes and every trick that reads as one. */
const hostile: ReadonlyArray<string> = [
  "https://evil.example/",
  "http://evil.example",
  "//evil.example",
  "//evil.example/%2f..",
  "///evil.example",
  "/\\evil.example",
  "\\\\evil.example",
  "/\t/evil.example",
  "https://user@localhost:3000@evil.example",
  "http://localhost:3000@evil.example/",
  "http://user:pass@localhost:3000/",
  "http:evil.example",
  "http:/evil.example",
  "http://localhost:3000.evil.example/",
  "http://localhost:3001/x",
  "https://localhost:3000/x",
  "http://localhost/x",
  "http://127.0.0.1:3000/",
  "http://[::1]:3000/",
  "https://evil。example/",
  "javascript:alert(1)",
  "JaVaScRiPt:alert(1)",
  " javascript:alert(1)",
  "data:text/html,<script>alert(1)</script>",
  "vbscript:msgbox(1)",
  "ftp://evil.example/",
  "/" + "a".repeat(10 * 1024),
  "https://evil.example/" + "a".repeat(10 * 1024),
  "\r\nSet-Cookie: x=y",
  "%0d%0aSet-Cookie:x",
  "%ff",
  "\uFFFD",
  "https://evil.example\\@localhost:3000/"
]

/** Same-origin targets, kept as given (made absolute). */
const kept: ReadonlyArray<readonly [string, string]> = [
  ["/dashboard", `${origin}/dashboard`],
  ["/a/b?x=1&y=2#section", `${origin}/a/b?x=1&y=2#section`],
  [`${origin}/absolute`, `${origin}/absolute`],
  ["/%0d%0aSet-Cookie:x", `${origin}/%0d%0aSet-Cookie:x`]
]

describe.each(sources)("callbackUrl from $name", (source) => {
  it.each(hostile.map((value) => [JSON.stringify(value).slice(0, 60), value] as const))(
    "%s lands on the origin",
    async (_, value) => {
      expect(await source.finalTarget(t, value)).toBe(home)
    }
  )
  it.each(kept)("%s is kept", async (value, expected) => {
    expect(await source.finalTarget(t, value)).toBe(expected)
  })
  it("the trust.redirectOrigins allow-list lets https://docs.example.com/x through, and nothing like it", async () => {
    expect(await source.finalTarget(allowList, "https://docs.example.com/x")).toBe("https://docs.example.com/x")
    for (const value of [
      "https://docs.example.com.evil.example/x",
      "http://docs.example.com/x",
      "https://docs.example.com:8443/x",
      "https://evil.example/"
    ]) {
      expect(await source.finalTarget(allowList, value)).toBe(home)
    }
  })
})

describe("GET /signin with pages.signIn", () => {
  it.each(hostile.map((value) => [JSON.stringify(value).slice(0, 60), value] as const))(
    "%s is passed on as the origin",
    async (_, value) => {
      const response = await custom.browser().get(`/auth/signin?callbackUrl=${encodeURIComponent(value)}`)
      const location = new URL(expectSafe(response))
      expect(location.origin + location.pathname).toBe(`${origin}/login`)
      expect(location.searchParams.get("callbackUrl")).toBe(home)
    }
  )
  it("a same-origin path is passed on", async () => {
    const response = await custom.browser().get("/auth/signin?callbackUrl=%2Fdashboard")
    expect(response.headers.get("location")).toBe(`${origin}/login?callbackUrl=${encodeURIComponent(`${origin}/dashboard`)}`)
  })
})

describe("bytes that are not UTF-8 or not escapes at all", () => {
  const garbage = ["%ff", "%", "%E0%A4%A", "%fe%ff", "%00", "%c0%af"]

  it.each(garbage)("callbackUrl=%s in a form body lands on the origin", async (escaped) => {
    const b = t.browser()
    const csrfToken = await b.csrfToken()
    const body = `csrfToken=${csrfToken}&username=ada&password=correct+horse&callbackUrl=${escaped}`
    const response = await t.auth.handler(rawFormPost(origin, "/auth/callback/credentials", body, { from: b, headers: { origin } }))
    expect(expectSafe(response)).toBe(home)
  })

  it.each(garbage)("callbackUrl=%s in the GET /signin query is ignored", async (escaped) => {
    const response = await t.auth.handler(rawRequest(origin, `/auth/signin?callbackUrl=${escaped}`))
    expect(response.status).toBe(200)
    expect(new Set(hiddenCallbackUrls(await response.text()))).toEqual(new Set([home]))
  })

  it.each(garbage)("callbackUrl=%s in the e-mail link lands on the origin", async (escaped) => {
    const b = t.browser()
    const email = `${unique()}@example.com`
    await b.post("/auth/signin/email", { csrfToken: await b.csrfToken(), email })
    const link = new URL(await t.mailedLink(email), origin)
    link.searchParams.delete("callbackUrl")
    const response = await t.auth.handler(rawRequest(origin, `${link.pathname}${link.search}&callbackUrl=${escaped}`, { from: b }))
    expect(expectSafe(response)).toBe(home)
  })

  const cookieGarbage = ["%ff", "%", "%E0%A4%A", "\"quoted\"", "a=b=c", "%0d%0a", "x".repeat(8 * 1024), "https%3A%2F%2Fevil.example%2F"]
  it.each(cookieGarbage.map((value) => [value.slice(0, 40), value] as const))(
    "a callback-url cookie of %s is ignored, and a submitted callbackUrl still wins",
    async (_, value) => {
      const b = t.browser()
      const csrfToken = await b.csrfToken()
      const cookie = `authjs.csrf-token=${encodeURIComponent(b.cookies.get("authjs.csrf-token")!)}; authjs.callback-url=${value}`
      const post = (callbackUrl?: string) =>
        t.auth.handler(rawFormPost(origin, "/auth/callback/credentials", new URLSearchParams({
          csrfToken,
          username: "ada",
          password: "correct horse",
          ...(callbackUrl === undefined ? {} : { callbackUrl })
        }).toString(), { headers: { origin, cookie } }))
      expect(expectSafe(await post())).toBe(home)
      expect(expectSafe(await post("/wanted"))).toBe(`${origin}/wanted`)
      const page = await t.auth.handler(rawRequest(origin, "/auth/signout", { headers: { cookie } }))
      expect(page.status).toBe(200)
      expect(hiddenCallbackUrls(await page.text())).toEqual([home])
    }
  )
})

describe("the redirect and signIn callbacks are held to the same policy", () => {
  it("a redirect callback answering another host lands on the origin", async () => {
    const b = hooks.browser()
    const response = await b.post("/auth/callback/credentials", {
      csrfToken: await b.csrfToken(),
      username: "ada",
      password: "correct horse",
      callbackUrl: "/to-evil"
    })
    expect(expectSafe(response)).toBe(home)
  })

  it("a redirect callback that throws lands on the origin", async () => {
    const b = hooks.browser()
    const response = await b.post("/auth/signout", { csrfToken: await b.csrfToken(), callbackUrl: "/throws" })
    expect(expectSafe(response)).toBe(home)
  })

  it("a signIn callback answering another host lands on the origin, without a session", async () => {
    const b = hooks.browser()
    const response = await hooks.oauthSignIn(b, "github", profile(unique(), "redirect-evil@example.com", true))
    expect(expectSafe(response)).toBe(home)
    expect(setCookieNamed(response, "authjs.session-token")).toBeUndefined()
    expect(await hooks.session(b)).toBeNull()
  })

  it("a signIn callback answering a path of ours goes there, without a session", async () => {
    const b = hooks.browser()
    const response = await hooks.oauthSignIn(b, "github", profile(unique(), "redirect-own@example.com", true))
    expect(expectSafe(response)).toBe(`${origin}/blocked`)
    expect(await hooks.session(b)).toBeNull()
  })
})
