/**
 * Bursts against each rule through the web handler (memory store), behind one trusted proxy so that each
 * request names its client in X-Forwarded-For: per address on the strict paths and on every POST, per
 * identifier for credentials, magic-link sends and verification, the failed-password backoff, the answers
 * (429 + Retry-After for the API, ?error=RateLimited for browsers), and `false` turning rules off.
 */
import { Duration, Effect, Layer } from "effect"
import { RateLimiterStore } from "effect/persistence/RateLimiter"
import { describe, expect, it } from "vitest"
import type { Browser } from "../../support/browser.ts"
import { limitedAuths } from "./limitedAuth.ts"

const start = limitedAuths()

let lastOctet = 0
const freshAddress = () => `198.51.100.${++lastOctet}`
const from = (address: string) => ({ "x-forwarded-for": address })

const signIn = async (b: Browser, address: string, username: string, password = "wrong") =>
  b.post("/auth/callback/credentials", { csrfToken: await b.csrfToken(), username, password, callbackUrl: "/" }, from(address))

const isRateLimited = (response: Response) => (response.headers.get("location") ?? "").includes("error=RateLimited")

describe("per client address", () => {
  it("the credentials callback: 10 a minute per address, the 11th refused with ?error=RateLimited; another address is not", async () => {
    const t = await start({ credentials: false, passwordBackoff: false })
    const b = t.browser()
    const address = freshAddress()
    const answers = []
    for (let i = 0; i < 11; i++) answers.push(await signIn(b, address, `user${i}`))
    expect(answers.map(isRateLimited)).toEqual([...Array(10).fill(false), true])
    const refused = new URL(answers[10]!.headers.get("location")!)
    expect(refused.pathname).toBe("/auth/error")
    expect(Number(refused.searchParams.get("retryAfter"))).toBeGreaterThan(0)
    expect(isRateLimited(await signIn(b, freshAddress(), "ada", "correct horse"))).toBe(false)
  })

  it("every other POST, looser; an API route answers 429 with Retry-After", async () => {
    const t = await start({ post: { limit: 3, window: "1 minute" } })
    const b = t.browser()
    const address = freshAddress()
    const statuses = []
    for (let i = 0; i < 4; i++) {
      statuses.push(await b.postJson("/auth/session", { csrfToken: await b.csrfToken(), data: {} }, from(address)))
    }
    expect(statuses.map((r) => r.status)).toEqual([200, 200, 200, 429])
    expect(Number(statuses[3]!.headers.get("retry-after"))).toBeGreaterThan(0)
    expect(await statuses[3]!.json()).toMatchObject({ error: "RateLimited" })
  })

  it("GET /session and GET /csrf are not limited by default", async () => {
    const t = await start({ post: { limit: 1, window: "1 minute" } })
    const b = t.browser()
    const address = freshAddress()
    for (let i = 0; i < 50; i++) {
      expect((await b.get("/auth/session", from(address))).status).toBe(200)
      expect((await b.get("/auth/csrf", from(address))).status).toBe(200)
    }
  })

  it("GET /session and GET /csrf never reach the counter store: the limits cost them nothing", async () => {
    let calls = 0
    const counted = <A>(answer: A) => Effect.sync(() => (calls++, answer))
    const store = Layer.succeed(RateLimiterStore, RateLimiterStore.of({
      fixedWindow: () => counted([1, 60_000] as const),
      tokenBucket: () => counted([1, 0] as const),
      adaptiveConsume: () => counted({ delay: Duration.zero, epoch: 0, phase: "inactive" as const }),
      adaptiveFeedback: () => counted(undefined)
    }))
    const t = await start({ store })
    const b = t.browser()
    await t.credentialsSignIn(b)
    const afterSignIn = calls
    expect(afterSignIn).toBeGreaterThan(0)
    for (let i = 0; i < 20; i++) {
      expect((await b.get("/auth/session", from("203.0.113.77"))).status).toBe(200)
      expect((await b.get("/auth/csrf", from("203.0.113.77"))).status).toBe(200)
    }
    expect(calls).toBe(afterSignIn)
  })

  it("a path may be limited for GET too, or turned off with false", async () => {
    const t = await start({ paths: { "/providers": { limit: 2, window: "1 minute" }, "/signin/email": false }, email: false })
    const b = t.browser()
    const address = freshAddress()
    const providers = []
    for (let i = 0; i < 3; i++) providers.push((await b.get("/auth/providers", from(address))).status)
    expect(providers).toEqual([200, 200, 429])
    for (let i = 0; i < 15; i++) {
      const sent = await b.post("/auth/signin/email", { csrfToken: await b.csrfToken(), email: `x${i}@example.com` }, from(address))
      expect(isRateLimited(sent)).toBe(false)
    }
  })
})

describe("per identifier", () => {
  it("credentials: 5 attempts a minute per username, whatever the address, case and spaces", async () => {
    const t = await start({ passwordBackoff: false })
    const b = t.browser()
    const names = ["carol", "Carol", " CAROL ", "carol", "cArol", "carol"]
    const answers = []
    for (const name of names) answers.push(isRateLimited(await signIn(b, freshAddress(), name)))
    expect(answers).toEqual([false, false, false, false, false, true])
  })

  it("magic links: 3 per address in 10 minutes; the 4th is refused and not mailed", async () => {
    const t = await start({})
    const b = t.browser()
    const spellings = ["dora@example.com", "Dora@Example.com", "dora@example.com", "DORA@example.com"]
    const answers = []
    for (const email of spellings) {
      answers.push(isRateLimited(await b.post("/auth/signin/email", { csrfToken: await b.csrfToken(), email }, from(freshAddress()))))
    }
    expect(answers).toEqual([false, false, false, true])
    const mailed = await Effect.runPromise(t.outbox.all)
    expect(mailed.filter((m) => m.to === "dora@example.com")).toHaveLength(3)
  })

  it("verification: 5 callback attempts per address a minute, then RateLimited even for a good link", async () => {
    const t = await start({})
    const b = t.browser()
    await b.post("/auth/signin/email", { csrfToken: await b.csrfToken(), email: "erin@example.com" }, from(freshAddress()))
    const good = await t.mailedLink("erin@example.com")
    for (let i = 0; i < 5; i++) {
      const guess = await b.get(`/auth/callback/email?email=erin%40example.com&token=guess${i}`, from(freshAddress()))
      expect(guess.headers.get("location")).toContain("error=Verification")
    }
    expect(isRateLimited(await b.get(good, from(freshAddress())))).toBe(true)
  })
})

describe("failed-password backoff", () => {
  it("after the free failures each wrong password makes the next attempt wait; a success after the wait resets it", async () => {
    const t = await start({ credentials: false, passwordBackoff: { freeFailures: 2, base: 200, cap: 400, window: "1 minute" } })
    const b = t.browser()
    const failures = []
    for (let i = 0; i < 3; i++) failures.push(isRateLimited(await signIn(b, freshAddress(), "ada")))
    expect(failures).toEqual([false, false, false])
    // The third failure set a wait: even the right password is refused now, and costs no guess.
    const during = await signIn(b, freshAddress(), "ada", "correct horse")
    expect(isRateLimited(during)).toBe(true)
    await new Promise((resolve) => setTimeout(resolve, 450))
    const after = await signIn(b, freshAddress(), "ada", "correct horse")
    expect(after.headers.get("location")).toBe("http://localhost:3000/")
    // Reset: the next wrong password is a free one again.
    expect(isRateLimited(await signIn(b, freshAddress(), "ada"))).toBe(false)
    expect(isRateLimited(await signIn(b, freshAddress(), "ada", "correct horse"))).toBe(false)
  })
})

describe("rateLimit: false", () => {
  it("turns every rule off", async () => {
    const t = await start(false)
    const b = t.browser()
    const address = freshAddress()
    for (let i = 0; i < 25; i++) expect(isRateLimited(await signIn(b, address, "frank"))).toBe(false)
  })
})
