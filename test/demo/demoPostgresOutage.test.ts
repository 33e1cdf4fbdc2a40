/**
 * The demo on a PostgreSQL of the test's own, under load (signed-in browsers reading their database sessions,
 * others signing in), while every backend of its database is killed (pg_terminate_backend) again and again and
 * then the server is stopped and started. The promise: no request hangs, every answer is a 2xx (a sign-in's
 * redirect) or a 503 with Retry-After, and service comes back by itself. postgres.js can leave a query
 * unanswered when its connection is cut under load (porsager/postgres#1142, #1195); the client's deadline on
 * every statement (PostgresClient `queryTimeout`) is what turns that into a 503 instead of a hang.
 */
import { Effect, Exit, Scope } from "effect"
import postgres from "postgres"
import { expect, it } from "vitest"
import { privateCluster } from "../adapters/postgres/privateCluster.ts"
import { type Browser, makeBrowser } from "../support/browser.ts"
import { startDemoOnFreePort } from "../support/demoOnFreePort.ts"

/** The statement timeout the demo runs with; its client deadline is 1 s more. */
const statementSeconds = 2
/** A request with no answer after this long has hung: twice the deadline (a request runs a few statements). */
const hangMillis = 2 * (statementSeconds + 1) * 1_000 + 1_000

interface Outcome {
  readonly kind: "session" | "csrf" | "sign-in"
  readonly status: number
  readonly retryAfter: string | null
  readonly location: string | null
  readonly millis: number
}

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis))

it("under load, killed backends and a restarted server: 2xx or 503 + Retry-After, no hang, recovery by itself", async () => {
  const scope = Effect.runSync(Scope.make())
  const cluster = await Effect.runPromise(Scope.provide(scope)(privateCluster))
  const admin = postgres(cluster.url, { max: 1, onnotice: () => undefined })
  await admin`CREATE DATABASE authfx_app`
  const { demo, origin } = await startDemoOnFreePort({
    SESSION_STRATEGY: "database",
    // Sign-ins loop far faster than the limits allow: this test is about outages, not floods.
    RATE_LIMIT: "off",
    DATABASE_URL: cluster.url.replace(/\/postgres$/, "/authfx_app"),
    DATABASE_POOL_MAX: "6",
    DATABASE_CONNECT_TIMEOUT: "2 seconds",
    DATABASE_STATEMENT_TIMEOUT: `${statementSeconds} seconds`
  })
  try {
    expect(demo).toBeDefined()
    const outcomes: Array<Outcome> = []
    const hung: Array<string> = []
    const thrown: Array<string> = []
    /** A browser whose every request is timed and recorded, and given up on (as hung) after hangMillis. */
    const browser = (kind: (request: Request) => Outcome["kind"]) =>
      makeBrowser(async (request) => {
        const started = performance.now()
        try {
          const response = await fetch(request, { signal: AbortSignal.timeout(hangMillis) })
          outcomes.push({
            kind: kind(request),
            status: response.status,
            retryAfter: response.headers.get("retry-after"),
            location: response.headers.get("location"),
            millis: performance.now() - started
          })
          return response
        } catch (error) {
          if (error instanceof DOMException && error.name === "TimeoutError") hung.push(`${request.method} ${request.url}`)
          throw error
        }
      }, origin)
    const kindOf = (request: Request): Outcome["kind"] =>
      request.url.includes("/csrf") ? "csrf" : request.url.includes("/callback/") ? "sign-in" : "session"
    const signIn = async (b: Browser) => {
      const csrfToken = await b.csrfToken()
      return b.post("/auth/callback/credentials", { csrfToken, username: "demo", password: "demo", callbackUrl: origin })
    }
    const userOf = async (b: Browser) => {
      const response = await b.get("/auth/session")
      return response.status === 200 ? ((await response.json()) as { user?: { email?: string } } | null)?.user?.email : null
    }

    const readers = Array.from({ length: 12 }, () => browser(kindOf))
    for (const reader of readers) {
      expect((await signIn(reader)).status).toBe(302)
      expect(await userOf(reader)).toBe("demo@example.com")
    }

    let running = true
    const loop = async (step: () => Promise<unknown>) => {
      while (running) {
        // A failed step (a 503's body is not the JSON a step expects) is recorded above; go on.
        await step().catch((error: unknown) => thrown.push(String(error)))
      }
    }
    const load = Promise.all([
      ...readers.map((reader) => loop(() => reader.get("/auth/session").then((r) => r.arrayBuffer()))),
      ...Array.from({ length: 4 }, () => loop(() => signIn(browser(kindOf)).then((r) => r.arrayBuffer())))
    ])

    const terminateAll = () =>
      admin`
        SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE datname = 'authfx_app' AND pid <> pg_backend_pid()`.then((rows) => Number(rows[0]?.["n"]))
    await sleep(500)
    const terminated: Array<number> = []
    for (let round = 0; round < 5; round++) {
      terminated.push(await terminateAll())
      await sleep(300)
    }
    await Effect.runPromise(cluster.stop)
    await sleep(1_500)
    await Effect.runPromise(cluster.start)
    await sleep(2_000)
    running = false
    await load

    // Recovery by itself: every browser reads its session again, and a new one signs in.
    for (const reader of readers) {
      let user: string | null | undefined = null
      for (let attempt = 0; attempt < 50 && user !== "demo@example.com"; attempt++) {
        user = await userOf(reader).catch(() => null)
        if (user !== "demo@example.com") await sleep(200)
      }
      expect(user).toBe("demo@example.com")
    }
    expect((await signIn(browser(kindOf))).status).toBe(302)

    const unexpected = outcomes.filter((o) => {
      if (o.status === 503) return o.retryAfter === null
      if (o.kind === "sign-in") return o.status !== 302 || o.location === null || o.location.includes("error=")
      return o.status !== 200
    })
    const byStatus = Object.groupBy(outcomes, (o) => `${o.kind} ${o.status}`)
    const slowest = Math.max(...outcomes.map((o) => o.millis))
    console.log(
      `outage under load: ${outcomes.length} answers`,
      Object.fromEntries(Object.entries(byStatus).map(([k, v]) => [k, v?.length])),
      `backends terminated ${terminated.join(",")}; slowest answer ${Math.round(slowest)} ms; hung ${hung.length}`
    )
    expect(hung).toEqual([])
    expect(unexpected).toEqual([])
    expect(terminated.some((n) => n > 0)).toBe(true)
    expect(outcomes.some((o) => o.status === 503)).toBe(true)
  } finally {
    await demo?.stop()
    await admin.end({ timeout: 1 }).catch(() => undefined)
    await Effect.runPromise(Scope.close(scope, Exit.void))
  }
}, 120_000)
