import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startAuth } from "../../support/httpHarness.ts"
import { makeBrowser } from "../../support/browser.ts"
import { profile, testProviders } from "../../support/memoryHarness.ts"
import { cookieHeader } from "../../support/rawRequest.ts"

/**
 * Random methods, paths, queries, headers, cookies and bodies against the web handler: never a 5xx, never
 * a rejected promise, and every redirect stays on our origin or goes to a configured provider's
 * authorization endpoint with our own callback as redirect_uri. Real CSRF cookies, tokens and session
 * cookies are mixed in so that the random input reaches past the CSRF check into the flows.
 */

type Auth = Awaited<ReturnType<typeof startAuth>>
const origin = "http://localhost:3000"
const providerOrigins = new Map([["https://github.idp.test", "github"], ["https://google.idp.test", "google"]])

/** A deployment under fuzz, with a browser's worth of real credentials to mix into the requests. */
interface Target {
  readonly auth: Auth
  readonly csrfCookie: string
  readonly csrfToken: string
  readonly sessionCookie: string
  /** A github flow in progress: its sealed checks cookie and the IdP's answer (the code works once). */
  readonly oauth: { readonly cookie: string; readonly query: string }
}

const started: Array<Auth> = []

const prepare = async (auth: Auth): Promise<Target> => {
  started.push(auth)
  // Behind a proxy the origin comes from Host, which a web Request does not carry by itself.
  const withHost = (request: Request) => {
    const headers = new Headers(request.headers)
    if (!headers.has("host")) headers.set("host", "localhost:3000")
    return auth.auth.handler(new Request(request, { headers }))
  }
  const browser = () => makeBrowser(withHost, origin)
  const b = browser()
  await b.post("/auth/callback/credentials", { csrfToken: await b.csrfToken(), username: "ada", password: "correct horse" })
  const csrfToken = await b.csrfToken()
  const flow = browser()
  const start = await flow.post("/auth/signin/github", { csrfToken: await flow.csrfToken() })
  const params = await auth.approve(start.headers.get("location")!, profile("fuzz", "fuzz@example.com", true))
  return {
    auth,
    csrfToken,
    csrfCookie: b.cookies.get("authjs.csrf-token")!,
    sessionCookie: b.cookies.get("authjs.session-token")!,
    oauth: { cookie: flow.cookies.get("authjs.oauth-checks")!, query: new URLSearchParams(params).toString() }
  }
}

let jwt: Target
let database: Target
let proxied: Target
beforeAll(async () => {
  jwt = await prepare(await startAuth())
  database = await prepare(await startAuth({ session: { strategy: "database" } }))
  // No e-mail provider behind the proxy: its links need a configured URL, which would fix the origin.
  proxied = await prepare(await startAuth({ providers: testProviders.filter((p) => p.type !== "email"), http: { trustHost: true } }))
})
afterAll(async () => {
  for (const auth of started) await auth.auth.dispose()
})

// ---- arbitraries -------------------------------------------------------------------------------------

/** Header values: any byte-range character except the three a Request refuses (CR, LF, NUL). */
const headerText = (maxLength: number) =>
  fc.string({ unit: "binary-ascii", maxLength }).map((s) => s.replace(/[\r\n\0]/g, ""))

const hostileUrls = [
  "https://evil.example/",
  "//evil.example",
  "/\\evil.example",
  "https://user@localhost:3000@evil.example",
  "javascript:alert(1)",
  "data:text/html,x",
  "http://localhost:3001/",
  "/dashboard",
  "http://localhost:3000/ok"
]
const nasty = ["ada", "correct horse", "ada@example.com", "", " ", "%", "%ff", "%E0%A4%A", "%00", "..", "null", "undefined", "[]", "{}", "a.b.c", "\u2603", "x".repeat(10_000)]

const anyValue = fc.oneof(
  fc.constantFrom(...hostileUrls, ...nasty),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 })
)

const actions = ["csrf", "providers", "session", "signin", "signout", "callback", "verify-request", "error", "jwks", "accounts", "link", "unlink", "webauthn-options"]
const providerIds = ["github", "google", "email", "credentials", "nope"]

const segment = fc.oneof(
  fc.constantFrom(...actions, ...providerIds, "", ".", "..", "%2e%2e", "%2f", "%ff", "%", "%00", "a".repeat(3000)),
  fc.string({ unit: "grapheme", maxLength: 16 }).map(encodeURIComponent),
  fc.string({ unit: "binary-ascii", maxLength: 16 }).map((s) => s.replace(/[#?]/g, ""))
)

const path = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.tuple(fc.constantFrom(...actions), fc.option(fc.constantFrom(...providerIds), { freq: 2 }))
      .map(([action, provider]) => ["/auth", action, ...(provider === null ? [] : [provider])].join("/"))
  },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom(...actions), fc.option(fc.constantFrom(...providerIds)), fc.array(segment, { minLength: 1, maxLength: 2 }))
      .map(([action, provider, rest]) => ["/auth", action, ...(provider === null ? [] : [provider]), ...rest].join("/"))
  },
  { weight: 2, arbitrary: fc.array(segment, { maxLength: 6 }).map((segments) => `/auth/${segments.join("/")}`) },
  { weight: 1, arbitrary: fc.array(segment, { maxLength: 4 }).map((segments) => `/${segments.join("/")}`) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 4000 }).map((n) => `/auth/${"a/".repeat(n)}session`) }
)

const query = fc.array(
  fc.tuple(
    fc.oneof(fc.constantFrom("callbackUrl", "error", "token", "email", "code", "state", "iss", "provider", "type", "csrfToken"), fc.string({ maxLength: 8 })),
    anyValue,
    fc.boolean()
  ),
  { maxLength: 5 }
).map((pairs) =>
  pairs.length === 0 ? "" : "?" + pairs.map(([k, v, encode]) => (encode ? `${encodeURIComponent(k)}=${encodeURIComponent(v)}` : `${k}=${v}`)).join("&")
)

const method = fc.oneof(
  { weight: 7, arbitrary: fc.constant("GET") },
  { weight: 9, arbitrary: fc.constant("POST") },
  { weight: 3, arbitrary: fc.constantFrom("PUT", "DELETE", "PATCH", "OPTIONS", "HEAD") },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Z][A-Z!#$%&'*+.^_`|~-]{0,11}$/).filter((m) => !["CONNECT", "TRACE", "TRACK"].includes(m)) }
)

const host = fc.oneof(
  fc.constantFrom("localhost:3000", "app.example.com", "evil.example", "EVIL.example:443", "[::1]:3000", "a b", "x/y", "user@host", "", "localhost:99999999"),
  headerText(30)
)

/** null three times in four: most requests carry few of the odd headers, so each one is tried alone too. */
const sometimes = <A>(arbitrary: fc.Arbitrary<A>) =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary })

const headers = fc.record({
  origin: fc.oneof(
    { weight: 3, arbitrary: fc.constant(origin) },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.oneof(fc.constantFrom("https://evil.example", "null", "", "http://localhost:3000/"), headerText(30)) }
  ),
  secFetchSite: sometimes(fc.constantFrom("same-origin", "same-site", "cross-site", "none", "garbage")),
  host: sometimes(host),
  forwardedHost: sometimes(host),
  forwardedProto: sometimes(fc.oneof(fc.constantFrom("https", "http", "ftp", "https, http"), headerText(10))),
  contentType: sometimes(fc.oneof(
    fc.constantFrom(
      "application/x-www-form-urlencoded",
      "application/x-www-form-urlencoded; charset=utf-8",
      "application/json",
      "APPLICATION/JSON; charset=latin1",
      "multipart/form-data; boundary=xyz",
      "multipart/form-data",
      "text/plain",
      ""
    ),
    headerText(40)
  )),
  contentLength: sometimes(fc.constantFrom("0", "-1", "abc", "1e9", "65537", "99999999999999999999", "1")),
  returnRedirect: sometimes(fc.constantFrom("1", "0", "true")),
  authorization: sometimes(fc.oneof(fc.constantFrom("Bearer a.b.c", "Basic Zm9vOmJhcg=="), headerText(60))),
  extra: fc.array(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/), headerText(60)), { maxLength: 3 })
})

/** true five times in six: real credentials are what lets random input past the CSRF check. */
const likely = fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) })

const realNames = [
  "authjs.session-token",
  "authjs.session-token.0",
  "authjs.session-token.1",
  "authjs.session-token.2",
  "authjs.session-token.999",
  "authjs.session-token.1000",
  "authjs.csrf-token",
  "authjs.callback-url",
  "authjs.oauth-checks",
  "__Secure-authjs.session-token",
  "__Host-authjs.csrf-token"
]

const cookies = fc.record({
  pairs: fc.array(fc.tuple(
    fc.oneof(fc.constantFrom(...realNames), fc.stringMatching(/^[A-Za-z0-9_.!$-]{1,20}$/)),
    fc.oneof(
      headerText(80),
      fc.constantFrom(...nasty.filter((v) => v !== "\u2603"), ...hostileUrls, "%7C", "a|b", "x".repeat(20 * 1024))
    )
  ), { maxLength: 4 }),
  chunks: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat({ max: 40 }) }),
  realCsrf: likely,
  realSession: fc.boolean(),
  realOAuth: fc.oneof({ weight: 1, arbitrary: fc.constant(true) }, { weight: 4, arbitrary: fc.constant(false) })
})

const fields = fc.dictionary(
  fc.oneof(fc.constantFrom("csrfToken", "callbackUrl", "email", "username", "password", "code", "state", "data", "__proto__"), fc.string({ maxLength: 8 })),
  anyValue,
  { maxKeys: 6 }
)

const body = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("none" as const) }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant("form" as const), fields }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("json" as const), fields }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("bytes" as const), bytes: fc.uint8Array({ maxLength: 2048 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("text" as const), text: fc.string({ unit: "binary", maxLength: 300 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("deep" as const), depth: fc.integer({ min: 1, max: 30_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("huge" as const), size: fc.integer({ min: 60_000, max: 200_000 }) }) },
  { weight: 1, arbitrary: fc.record({
    kind: fc.constant("fixed" as const),
    text: fc.constantFrom(
      "--xyz\r\nContent-Disposition: form-data; name=\"csrfToken\"\r\n\r\nabc\r\n--xyz--\r\n",
      "{\"csrfToken\": 1, \"data\": {\"__proto__\": {\"polluted\": true}}}",
      "{\"constructor\": {\"prototype\": {\"polluted\": true}}}",
      "{\"data\": " + "[".repeat(5000) + "]".repeat(5000) + "}",
      "{\"data\": \"" + "x".repeat(60_000) + "\"}",
      "csrfToken=%ff&callbackUrl=%&email=%E0%A4%A",
      "&&&===&&&",
      "{",
      "null",
      "[1,2,3]"
    )
  }) }
)

/** Mostly real routes with their usual methods (so the input reaches the flows), the rest anything at all. */
const route = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.tuple(fc.constantFrom("signin", "callback", "link", "unlink"), fc.constantFrom(...providerIds), fc.constantFrom("POST", "POST", "GET"))
      .map(([action, provider, m]) => ({ method: m, path: `/auth/${action}/${provider}` }))
  },
  {
    weight: 5,
    arbitrary: fc.tuple(fc.constantFrom("csrf", "providers", "session", "signin", "signout", "verify-request", "error", "jwks", "accounts"), fc.constantFrom("GET", "GET", "POST"))
      .map(([action, m]) => ({ method: m, path: `/auth/${action}` }))
  },
  { weight: 4, arbitrary: fc.record({ method, path }) }
)

const request = fc.record({ route, query, headers, cookies, body, useRealCsrfToken: likely })
type Fuzzed = typeof request extends fc.Arbitrary<infer A> ? A : never

// ---- the property ------------------------------------------------------------------------------------

const build = (target: Target, input: Fuzzed): Request => {
  const h: Record<string, string> = {}
  for (const [name, value] of input.headers.extra) h[name] = value
  const { origin: o, secFetchSite, host: hh, forwardedHost, forwardedProto, contentType, contentLength, returnRedirect, authorization } = input.headers
  if (o !== null) h["origin"] = o
  if (secFetchSite !== null) h["sec-fetch-site"] = secFetchSite
  if (hh !== null) h["host"] = hh
  else if (target === proxied) h["host"] = "localhost:3000"
  if (forwardedHost !== null) h["x-forwarded-host"] = forwardedHost
  if (forwardedProto !== null) h["x-forwarded-proto"] = forwardedProto
  if (contentType !== null) h["content-type"] = contentType
  if (contentLength !== null) h["content-length"] = contentLength
  if (returnRedirect !== null) h["x-auth-return-redirect"] = returnRedirect
  if (authorization !== null) h["authorization"] = authorization

  const jar = new Map<string, string>()
  if (input.cookies.realCsrf) jar.set("authjs.csrf-token", target.csrfCookie)
  if (input.cookies.realSession) jar.set("authjs.session-token", target.sessionCookie)
  if (input.cookies.realOAuth) jar.set("authjs.oauth-checks", target.oauth.cookie)
  for (let i = 0; i < input.cookies.chunks; i++) jar.set(`authjs.session-token.${i}`, "c".repeat(100))
  const raw = input.cookies.pairs.map(([name, value]) => `${name}=${value}`)
  const cookie = [cookieHeader(jar), ...raw].filter((part) => part !== "").join("; ")
  if (cookie !== "") h["cookie"] = cookie

  const withToken = (f: Record<string, string>) => (input.useRealCsrfToken ? { ...f, csrfToken: target.csrfToken } : f)
  let payload: string | Uint8Array<ArrayBuffer> | undefined
  switch (input.body.kind) {
    case "none":
      break
    case "form":
      payload = new URLSearchParams(withToken(input.body.fields)).toString()
      h["content-type"] ??= "application/x-www-form-urlencoded"
      break
    case "json":
      payload = JSON.stringify({ ...withToken(input.body.fields), data: { nested: input.body.fields } })
      h["content-type"] ??= "application/json"
      break
    case "bytes":
      payload = new Uint8Array(input.body.bytes)
      break
    case "text":
    case "fixed":
      payload = input.body.text
      break
    case "deep":
      payload = "[".repeat(input.body.depth) + "]".repeat(input.body.depth)
      h["content-type"] ??= "application/json"
      break
    case "huge":
      payload = `csrfToken=${target.csrfToken}&email=${"b".repeat(input.body.size)}@example.com`
      h["content-type"] ??= "application/x-www-form-urlencoded"
      break
  }
  const bodyless = input.route.method === "GET" || input.route.method === "HEAD"
  const query = input.cookies.realOAuth ? `${input.query}${input.query === "" ? "?" : "&"}${target.oauth.query}` : input.query
  return new Request(`${origin}${input.route.path}${query}`, {
    method: input.route.method,
    headers: h,
    redirect: "manual",
    ...(bodyless || payload === undefined ? {} : { body: payload })
  })
}

/** The origins a redirect may lead to: ours (or, behind a trusted proxy, the one the request named). */
const allowedOrigins = (target: Target, input: Fuzzed): ReadonlySet<string> => {
  if (target !== proxied) return new Set([origin])
  // One trusted proxy: the forwarded host is the last entry (the earlier ones are the client's).
  const last = (value: string | null) => value?.split(",").at(-1)?.trim().toLowerCase()
  const named = [last(input.headers.forwardedHost), input.headers.host?.trim().toLowerCase(), "localhost:3000"].filter((v): v is string => v !== undefined && v !== "")
  const normalized = (candidate: string) => {
    try {
      return [new URL(candidate).origin]
    } catch {
      return []
    }
  }
  return new Set(named.flatMap((host) => [`http://${host}`, `https://${host}`].flatMap(normalized)))
}

const checkTarget = (target: Target, input: Fuzzed, location: string) => {
  const url = new URL(location, origin)
  if (allowedOrigins(target, input).has(url.origin)) return
  const provider = providerOrigins.get(url.origin)
  if (provider === undefined || url.pathname !== "/authorize") throw new Error(`redirect off-origin: ${location}`)
  // The provider will send the browser back to redirect_uri: it must be our own callback.
  const back = new URL(url.searchParams.get("redirect_uri") ?? "")
  if (!allowedOrigins(target, input).has(back.origin) || back.pathname !== `/auth/callback/${provider}`) {
    throw new Error(`authorization request with a foreign redirect_uri: ${location}`)
  }
}

const property = (target: () => Target) =>
  fc.asyncProperty(request, async (input) => {
    const t = target()
    const response = await t.auth.auth.handler(build(t, input))
    if (response.status >= 500 || response.status < 100) {
      throw new Error(`${response.status} for ${input.route.method} ${input.route.path.slice(0, 200)}: ${(await response.text()).slice(0, 300)}`)
    }
    const text = input.route.method === "HEAD" ? "" : await response.text()
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get("location")
      if (location === null) throw new Error(`${response.status} without Location`)
      checkTarget(t, input, location)
    }
    if (response.status === 200 && input.headers.returnRedirect === "1" && (response.headers.get("content-type") ?? "").startsWith("application/json")) {
      const json: unknown = JSON.parse(text)
      if (typeof json === "object" && json !== null && "url" in json && typeof json.url === "string") checkTarget(t, input, json.url)
    }
  })

const run = (target: () => Target, numRuns: number, seconds: number) =>
  fc.assert(property(target), {
    numRuns,
    endOnFailure: true,
    plugins: [fc.interruptAfterTimeLimit(seconds * 1000)]
  })

describe("fuzzing the web handler", () => {
  it("JWT sessions: no 5xx, no rejection, no redirect off-origin (1500 runs)", async () => {
    await run(() => jwt, 1500, 14)
    expect(Object.prototype).not.toHaveProperty("polluted")
  }, 60_000)

  it("database sessions: the same, on a sample (300 runs)", async () => {
    await run(() => database, 300, 4)
  }, 30_000)

  it("behind a trusted proxy (origin from Host / X-Forwarded-*): the same, on a sample (300 runs)", async () => {
    await run(() => proxied, 300, 4)
  }, 30_000)
})
