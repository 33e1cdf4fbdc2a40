/**
 * One flow — GET /auth/csrf, the credentials sign-in, GET /auth/session, POST /auth/signout — through each
 * way of mounting authfx: the Node listener in node:http, Express 5 and Fastify 5 on real ports, the web
 * handler called with `Request`s, and the effect/http app served by `HttpRouter.serve`. Plus the pieces an
 * application uses around it: `protect()` / `protectWeb()` and `getSession()`.
 */
import fastifyMiddie from "@fastify/middie"
import { NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { HttpRouter, HttpServer, HttpServerResponse } from "effect/http"
import express from "express"
import Fastify, { type FastifyInstance } from "fastify"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { authHttpApp } from "../../../src/compose/authHttpApp.ts"
import { type AuthfxApp, type AuthfxOptions, createAuth } from "../../../src/compose/createAuth.ts"
import type { SessionView } from "../../../src/domain/Session.ts"
import { type Browser, makeBrowser } from "../../support/browser.ts"
import { testSecret } from "../../support/httpHarness.ts"
import { testProviders } from "../../support/memoryHarness.ts"
import { type Listening, listen, makeNodeBrowser, rawGet } from "../../support/nodeBrowser.ts"

const base: Omit<AuthfxOptions, "http"> = { providers: testProviders, secret: testSecret }

const ada = { name: "Ada", email: "ada@example.com", image: null }

const sessionJson = async (b: Browser): Promise<unknown> => {
  const response = await b.get("/auth/session")
  expect(response.status).toBe(200)
  expect(response.headers.get("content-type")).toMatch(/^application\/json/)
  return response.json()
}

/** The session cookie's Set-Cookie header of a response, if it sets one. */
const sessionSetCookie = (response: Response, name: string) =>
  response.headers.getSetCookie().find((header) => header.startsWith(`${name}=`))

/**
 * The flow every mounting must carry unchanged. `origin` is where the browser talks to; `secure` says
 * whether cookies must be `Secure` with the `__Secure-` prefix (https) or neither (http).
 */
const signInAndOut = async (b: Browser, origin: string, secure = false) => {
  const sessionCookie = `${secure ? "__Secure-" : ""}authjs.session-token`
  expect(await sessionJson(b)).toBeNull()

  const csrf = await b.get("/auth/csrf")
  expect(csrf.status).toBe(200)
  expect(csrf.headers.get("cache-control")).toBe("private, no-cache, no-store")
  const { csrfToken } = (await csrf.json()) as { csrfToken: string }
  expect(csrfToken).toMatch(/^[0-9a-f]{64}$/)
  expect(b.cookies.has(`${secure ? "__Host-" : ""}authjs.csrf-token`)).toBe(true)

  const signedIn = await b.post("/auth/callback/credentials", {
    csrfToken,
    username: "ada",
    password: "correct horse",
    callbackUrl: "/dashboard"
  })
  expect(signedIn.status).toBe(302)
  expect(signedIn.headers.get("location")).toBe(`${origin}/dashboard`)
  const setCookie = sessionSetCookie(signedIn, sessionCookie)
  expect(setCookie).toBeDefined()
  expect(setCookie).toMatch(/; HttpOnly/i)
  expect(setCookie).toMatch(/; SameSite=Lax/i)
  expect(setCookie).toMatch(/; Path=\//i)
  expect(/; Secure/i.test(setCookie!)).toBe(secure)

  const session = await sessionJson(b)
  expect(session).toEqual({ user: ada, expires: expect.any(String) })

  // The token was minted signed out; the session it would now act on needs one of its own (src/http/csrf/csrfToken.ts).
  expect((await b.post("/auth/signout", { csrfToken })).headers.get("location")).toContain("error=MissingCSRF")
  const out = await b.post("/auth/signout", { csrfToken: await b.csrfToken() })
  expect(out.status).toBe(302)
  expect(out.headers.get("location")?.startsWith(origin)).toBe(true)
  expect(b.cookies.has(sessionCookie)).toBe(false)
  expect(await sessionJson(b)).toBeNull()
}

/** Signs `b` in with the credentials form, for tests that need a signed-in browser. */
const signIn = async (b: Browser) => {
  const response = await b.post("/auth/callback/credentials", {
    csrfToken: await b.csrfToken(),
    username: "ada",
    password: "correct horse"
  })
  expect(response.status).toBe(302)
}

const cookieHeaderOf = (b: Browser) => [...b.cookies].map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join("; ")

// ---------------------------------------------------------------------------------------------------------

describe("(a) node:http — http.createServer(auth.listener)", () => {
  let auth: AuthfxApp
  let server: Listening
  let app: Listening

  beforeAll(async () => {
    // The listener is all the server does. With trustHost the origin comes from the Host header the
    // client sent (127.0.0.1:<port>), so the server need not be listening before authfx is built.
    // No e-mail provider here: its links need a configured URL, which trustHost alone does not give.
    auth = await createAuth({ ...base, providers: testProviders.filter((p) => p.type !== "email"), http: { trustHost: true } })
    server = await listen(createServer(auth.listener))
    // A plain node:http application server beside it that only asks getSession, the way the demo does.
    app = await listen(createServer((req: IncomingMessage, res: ServerResponse) => {
      let session: Promise<SessionView | null>
      try {
        session = auth.getSession(req)
      } catch (error) {
        // getSession never throws; if it ever did, this keeps the failure in the test instead of the process.
        res.writeHead(500, { "content-type": "text/plain" }).end(`getSession threw synchronously: ${String(error)}`)
        return
      }
      session.then(
        (view) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(view)),
        () => res.writeHead(503).end()
      )
    }))
  })
  afterAll(async () => {
    await server?.close()
    await app?.close()
    await auth?.dispose()
  })

  it("carries the flow over a real socket", async () => {
    await signInAndOut(makeNodeBrowser(server.origin), server.origin)
  })

  it("getSession(IncomingMessage) in a plain node:http handler: the session, then null after sign-out", async () => {
    const b = makeNodeBrowser(server.origin)
    expect(await (await b.get(`${app.origin}/me`)).json()).toBeNull()
    await signIn(b)
    expect(await (await b.get(`${app.origin}/me`)).json()).toEqual({ user: ada, expires: expect.any(String) })
    await b.post("/auth/signout", { csrfToken: await b.csrfToken() })
    expect(await (await b.get(`${app.origin}/me`)).json()).toBeNull()
  })

  it("getSession(Request) reads the same cookies from a web Request (with its Host header, as servers pass it)", async () => {
    const b = makeNodeBrowser(server.origin)
    await signIn(b)
    const host = new URL(server.origin).host
    const request = new Request(`${server.origin}/anything`, { headers: { host, cookie: cookieHeaderOf(b) } })
    expect(await auth.getSession(request)).toEqual({ user: ada, expires: expect.any(String) })
    expect(await auth.getSession(new Request(`${server.origin}/anything`, { headers: { host } }))).toBeNull()
    expect(await auth.getSession(new Request(`${server.origin}/x`, { headers: { host, cookie: "authjs.session-token=garbage" } })))
      .toBeNull()
  })

  // A web Request without a Host header still names its origin in its URL.
  it("getSession(Request) under trustHost when the Request carries no Host header", async () => {
    const b = makeNodeBrowser(server.origin)
    await signIn(b)
    const request = new Request(`${server.origin}/anything`, { headers: { cookie: cookieHeaderOf(b) } })
    expect(await auth.getSession(request)).toEqual({ user: ada, expires: expect.any(String) })
  })

  // A malformed Host is a signed-out request: getSession must never throw into the application's handler.
  it("getSession(IncomingMessage) with a malformed Host header answers null, never throws", async () => {
    const response = await rawGet(app.port, "/me", { host: "a b" })
    expect(response).toEqual({ status: 200, body: "null" })
  })
})

// ---------------------------------------------------------------------------------------------------------

describe("(b) Express 5 — app.use('/auth', …) with req.url = req.originalUrl, and auth.protect()", () => {
  let auth: AuthfxApp
  let server: Listening

  beforeAll(async () => {
    const app = express()
    // The server listens first, so the configured URL is its real origin; routes are added after.
    server = await listen(createServer(app))
    auth = await createAuth({ ...base, http: { url: `${server.origin}/auth` } })
    // Express strips the mount path from req.url; authfx routes on the full path.
    app.use("/auth", (req, res) => {
      req.url = req.originalUrl
      auth.listener(req, res)
    })
    app.get("/app/me", auth.protect(), (_req, res) => {
      const session = res.locals["session"] as SessionView
      res.json({ hello: session.user.email })
    })
    // Protecting a whole section, as Express apps do: the middleware sees req.url without the mount path.
    app.use("/dashboard", auth.protect())
    app.get("/dashboard/settings", (_req, res) => {
      res.json({ settingsOf: (res.locals["session"] as SessionView).user.email })
    })
  })
  afterAll(async () => {
    await server?.close()
    await auth?.dispose()
  })

  it("carries the flow", async () => {
    await signInAndOut(makeNodeBrowser(server.origin), server.origin)
  })

  it("protect(): a signed-out page request goes to the sign-in page with the page as callbackUrl", async () => {
    const b = makeNodeBrowser(server.origin)
    const response = await b.get("/app/me?tab=1", { accept: "text/html,application/xhtml+xml" })
    expect(response.status).toBe(302)
    expect(response.headers.get("location")).toBe(`/auth/signin?callbackUrl=${encodeURIComponent("/app/me?tab=1")}`)
    // …and that page exists, carrying the callbackUrl (made absolute on our origin) in its forms.
    const page = await b.get(response.headers.get("location")!)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain(`value="${server.origin}/app/me?tab=1"`)
  })

  it("protect(): a signed-out fetch asking for JSON gets 401 JSON", async () => {
    const b = makeNodeBrowser(server.origin)
    const response = await b.get("/app/me", { accept: "application/json" })
    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({ error: "NotSignedIn", message: "Sign in first." })
  })

  it("protect(): signed in, the handler runs with res.locals.session", async () => {
    const b = makeNodeBrowser(server.origin)
    await signIn(b)
    const response = await b.get("/app/me", { accept: "application/json" })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ hello: "ada@example.com" })
    const html = await b.get("/dashboard/settings", { accept: "text/html" })
    expect(html.status).toBe(200)
    expect(await html.json()).toEqual({ settingsOf: "ada@example.com" })
  })

  // Same for protect(): a malformed Host is signed out, not a 500.
  it("protect() with a malformed Host header is a signed-out request, not a 500", async () => {
    const page = await rawGet(server.port, "/app/me", { host: "a b", accept: "text/html" })
    expect(page.status).toBe(302)
    const api = await rawGet(server.port, "/app/me", { host: "a b", accept: "application/json" })
    expect(api.status).toBe(401)
  })

  // Express strips the mount path from req.url; the callbackUrl must be the page the visitor asked for.
  it("protect() under a mount path keeps the full path in callbackUrl", async () => {
    const b = makeNodeBrowser(server.origin)
    const response = await b.get("/dashboard/settings", { accept: "text/html" })
    expect(response.status).toBe(302)
    expect(response.headers.get("location")).toBe(`/auth/signin?callbackUrl=${encodeURIComponent("/dashboard/settings")}`)
  })
})

// ---------------------------------------------------------------------------------------------------------

/** Fastify wants its routes before it listens, so handlers reach authfx through this late-bound holder. */
interface Late {
  auth: AuthfxApp | undefined
}
const lateListener = (late: Late) => (req: IncomingMessage, res: ServerResponse) => late.auth!.listener(req, res)

describe("(c1) Fastify 5 with @fastify/middie — fastify.use('/auth', …)", () => {
  const late: Late = { auth: undefined }
  let fastify: FastifyInstance
  let origin: string

  beforeAll(async () => {
    fastify = Fastify()
    await fastify.register(fastifyMiddie)
    // middie runs Connect-style middleware in the onRequest hook, before Fastify parses any body, so the
    // request stream reaches authfx untouched. Like Express it strips the mount path from req.url.
    fastify.use("/auth", (req: IncomingMessage & { originalUrl?: string }, res: ServerResponse) => {
      req.url = req.originalUrl ?? req.url
      lateListener(late)(req, res)
    })
    fastify.get("/app", async () => ({ app: "fastify" }))
    fastify.get("/me", async (request) => late.auth!.getSession(request.raw))
    await fastify.listen({ port: 0, host: "127.0.0.1" })
    const address = fastify.server.address()
    if (address === null || typeof address === "string") throw new Error("fastify is not on a TCP port")
    origin = `http://127.0.0.1:${address.port}`
    late.auth = await createAuth({ ...base, http: { url: `${origin}/auth` } })
  })
  afterAll(async () => {
    await fastify?.close()
    await late.auth?.dispose()
  })

  it("carries the flow", async () => {
    await signInAndOut(makeNodeBrowser(origin), origin)
  })

  it("leaves the application's own routes to Fastify", async () => {
    const response = await fetch(`${origin}/app`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ app: "fastify" })
  })

  it("getSession(request.raw) in a Fastify route", async () => {
    const b = makeNodeBrowser(origin)
    expect(await (await b.get("/me")).text()).toBe("null")
    await signIn(b)
    expect(await (await b.get("/me")).json()).toEqual({ user: ada, expires: expect.any(String) })
  })
})

describe("(c2) Fastify 5 without plugins — fastify.all('/auth/*') + reply.hijack()", () => {
  const late: Late = { auth: undefined }
  let fastify: FastifyInstance
  let origin: string

  beforeAll(async () => {
    fastify = Fastify()
    await fastify.register(async (scoped) => {
      // Fastify parses bodies before the handler: JSON it would consume, and a form it answers with 415
      // (it has no form parser). Inside this plugin no parser reads anything, so authfx reads the stream.
      scoped.removeAllContentTypeParsers()
      scoped.addContentTypeParser("*", (_request, _payload, done) => done(null, undefined))
      scoped.all("/auth/*", (request, reply) => {
        reply.hijack()
        lateListener(late)(request.raw, reply.raw)
      })
    })
    fastify.get("/me", async (request) => late.auth!.getSession(request.raw))
    await fastify.listen({ port: 0, host: "127.0.0.1" })
    const address = fastify.server.address()
    if (address === null || typeof address === "string") throw new Error("fastify is not on a TCP port")
    origin = `http://127.0.0.1:${address.port}`
    late.auth = await createAuth({ ...base, http: { url: `${origin}/auth` } })
  })
  afterAll(async () => {
    await fastify?.close()
    await late.auth?.dispose()
  })

  it("carries the flow", async () => {
    await signInAndOut(makeNodeBrowser(origin), origin)
  })

  it("POST /auth/session with a JSON body reaches authfx unread", async () => {
    const b = makeNodeBrowser(origin)
    await signIn(b)
    const response = await b.postJson("/auth/session", { csrfToken: await b.csrfToken(), data: {} })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ user: ada, expires: expect.any(String) })
  })

  it("getSession(request.raw) in a Fastify route", async () => {
    const b = makeNodeBrowser(origin)
    const signedOut = await b.get("/me")
    expect(signedOut.status).toBe(200)
    expect(await signedOut.text()).toBe("null")
    await signIn(b)
    expect(await (await b.get("/me")).json()).toEqual({ user: ada, expires: expect.any(String) })
  })
})

// ---------------------------------------------------------------------------------------------------------

describe("(d) the web handler — auth.handler(Request), and auth.protectWeb(handler)", () => {
  // No socket: the handler is what Next.js route handlers, Bun and Deno call. An https origin, so the
  // cookies come out Secure with the __Secure-/__Host- prefixes.
  const origin = "https://app.example.test"
  let auth: AuthfxApp
  let page: (request: Request) => Promise<Response>

  beforeAll(async () => {
    auth = await createAuth({ ...base, http: { url: `${origin}/auth` } })
    page = auth.protectWeb((_request, session) => Response.json({ hello: session.user.email }))
  })
  afterAll(() => auth?.dispose())

  it("carries the flow", async () => {
    await signInAndOut(makeBrowser(auth.handler, origin), origin, true)
  })

  it("protectWeb: signed out — HTML → 302 to the sign-in page with callbackUrl; JSON → 401", async () => {
    const html = await page(new Request(`${origin}/app/me?x=1`, { headers: { accept: "text/html" } }))
    expect(html.status).toBe(302)
    expect(html.headers.get("location")).toBe(`/auth/signin?callbackUrl=${encodeURIComponent("/app/me?x=1")}`)
    const api = await page(new Request(`${origin}/app/me`, { headers: { accept: "application/json" } }))
    expect(api.status).toBe(401)
    expect(await api.json()).toEqual({ error: "NotSignedIn", message: "Sign in first." })
  })

  it("protectWeb: signed in — the handler runs with the session", async () => {
    const b = makeBrowser(auth.handler, origin)
    await signIn(b)
    const response = await page(new Request(`${origin}/app/me`, { headers: { cookie: cookieHeaderOf(b) } }))
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ hello: "ada@example.com" })
    expect(await auth.getSession(new Request(`${origin}/`, { headers: { cookie: cookieHeaderOf(b) } })))
      .toEqual({ user: ada, expires: expect.any(String) })
  })
})

// ---------------------------------------------------------------------------------------------------------

/**
 * Serves an effect/http app layer with `HttpRouter.serve` on `NodeHttpServer.layer(createServer, { port: 0 })`.
 * The server binds first; `app` is built from the address it got, so AUTH_URL is the exact origin.
 */
const serveEffectApp = async (app: (url: string) => Layer.Layer<never, unknown, HttpRouter.HttpRouter>) => {
  const scope = Effect.runSync(Scope.make())
  const auth = Layer.unwrap(Effect.gen(function*() {
    const address = (yield* HttpServer.HttpServer).address
    if (address._tag === "UnixPathAddress") return yield* Effect.die(new Error("expected a TCP address"))
    return app(`http://127.0.0.1:${address.port}/auth`)
  }))
  const appRoute = HttpRouter.add("GET", "/hello", HttpServerResponse.text("hello from the Effect app"))
  const served = HttpRouter.serve(Layer.mergeAll(auth, appRoute), { disableLogger: true, disableListenLog: true }).pipe(
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
  )
  const context = await Effect.runPromise(Layer.buildWithScope(served, scope)).catch(async (error: unknown) => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    throw error
  })
  const address = Context.get(context, HttpServer.HttpServer).address
  if (address._tag === "UnixPathAddress") throw new Error("expected a TCP address")
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

describe("(e) the effect/http app served by HttpRouter.serve on NodeHttpServer.layer", () => {
  let served: Awaited<ReturnType<typeof serveEffectApp>>

  beforeAll(async () => {
    // As documented: "the authfx routes with their services, as one Layer to merge with the application's
    // own routes".
    served = await serveEffectApp((url) => authHttpApp({ ...base, http: { url } }))
  })
  afterAll(async () => {
    await served?.close()
  })

  // Route handlers look their services up per request: the app must provide them to each request.
  it("authHttpApp(options) carries the flow", async () => {
    await signInAndOut(makeNodeBrowser(served.origin), served.origin)
  })

  it("serves the application's own route beside it", async () => {
    const response = await fetch(`${served.origin}/hello`)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe("hello from the Effect app")
  })
})
