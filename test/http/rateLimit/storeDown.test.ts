/**
 * A counter store that is down is never a 5xx: the credentials and e-mail rules fail closed (RateLimited,
 * no password tried, no mail sent), every other rule fails open; `onStoreDown` turns either around.
 */
import { Effect, Layer } from "effect"
import { RateLimiterError, RateLimiterStore, RateLimitStoreError } from "effect/persistence/RateLimiter"
import { describe, expect, it } from "vitest"
import { limitedAuths } from "./limitedAuth.ts"

const down = (answer: Effect.Effect<never, RateLimiterError>) =>
  Layer.succeed(RateLimiterStore, RateLimiterStore.of({
    fixedWindow: () => answer,
    tokenBucket: () => answer,
    adaptiveConsume: () => answer,
    adaptiveFeedback: () => answer
  }))
const refusing = down(Effect.fail(new RateLimiterError({ reason: new RateLimitStoreError({ message: "connection refused" }) })))

const start = limitedAuths()
const from = { "x-forwarded-for": "203.0.113.9" }

describe("the counter store is down", () => {
  it("credentials fail closed: RateLimited, not a 5xx, and authorize is never asked", async () => {
    const t = await start({ store: refusing })
    const b = t.browser()
    const answer = await b.post("/auth/callback/credentials", { csrfToken: await b.csrfToken(), username: "ada", password: "correct horse" }, from)
    expect(answer.status).toBe(302)
    expect(answer.headers.get("location")).toContain("/auth/error?error=RateLimited")
    expect(await t.session(b)).toBeNull()
  })

  it("magic links fail closed: nothing is mailed", async () => {
    const t = await start({ store: refusing })
    const b = t.browser()
    const answer = await b.post("/auth/signin/email", { csrfToken: await b.csrfToken(), email: "gus@example.com" }, from)
    expect(answer.headers.get("location")).toContain("error=RateLimited")
    expect((await Effect.runPromise(t.outbox.all)).filter((m) => m.to === "gus@example.com")).toHaveLength(0)
  })

  it("the rest fails open: an OAuth start and an API POST go through", async () => {
    const t = await start({ store: refusing })
    const b = t.browser()
    const oauth = await b.post("/auth/signin/github", { csrfToken: await b.csrfToken() }, from)
    expect(oauth.headers.get("location")).not.toContain("error=")
    const api = await b.postJson("/auth/session", { csrfToken: await b.csrfToken(), data: {} }, from)
    expect(api.status).toBe(200)
  })

  it("onStoreDown turns it around: credentials open, every POST closed with 429", async () => {
    const t = await start({
      store: refusing,
      paths: { "/callback/credentials": { limit: 10, window: "1 minute", onStoreDown: "open" } },
      credentials: { limit: 5, window: "1 minute", onStoreDown: "open" },
      passwordBackoff: false,
      post: { limit: 60, window: "1 minute", onStoreDown: "closed" }
    })
    const b = t.browser()
    const signedIn = await b.post("/auth/callback/credentials", { csrfToken: await b.csrfToken(), username: "ada", password: "correct horse", callbackUrl: "/" }, from)
    expect(signedIn.headers.get("location")).toBe("http://localhost:3000/")
    const api = await b.postJson("/auth/session", { csrfToken: await b.csrfToken(), data: {} }, from)
    expect(api.status).toBe(429)
    expect(api.headers.get("retry-after")).toBe("60")
  })

  it("a store that hangs is down after its timeout, not a hung request", async () => {
    const t = await start({ store: down(Effect.never) })
    const b = t.browser()
    const answer = await b.post("/auth/callback/credentials", { csrfToken: await b.csrfToken(), username: "ada", password: "correct horse" }, from)
    expect(answer.headers.get("location")).toContain("error=RateLimited")
  }, 15_000)
})
