/**
 * createAuth with JWT sessions and the ledger on Redis, as two nodes would run it: each node its own
 * process state (here its own in-memory users), the revocations and refresh claims in one Redis. A
 * sign-out on one node is refused on the other; a refresh claim is taken by one node only; with Redis
 * down, a node starts and answers 503.
 */
import { Effect } from "effect"
import { createClient } from "redis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as RedisLedger from "../../src/adapters/redis/RedisLedger.ts"
import type { AccountKey } from "../../src/domain/Account.ts"
import { claimRefresh, releaseRefresh } from "../../src/domain/refreshClaim.ts"
import { freePort } from "../adapters/postgres/testDatabase.ts"
import { deleteKeys, patient, redisUrl, testPrefix } from "../adapters/redis/testRedis.ts"
import { startAuth } from "../support/httpHarness.ts"
import { github } from "../support/memoryHarness.ts"

const sessionCookie = "authjs.session-token"
const keyPrefix = testPrefix("createAuth")
const node = () =>
  startAuth({ session: { strategy: "jwt" }, ledger: RedisLedger.layerUrl({ url: redisUrl, keyPrefix, timeout: patient }) })

let a: Awaited<ReturnType<typeof node>>
let b: Awaited<ReturnType<typeof node>>
beforeAll(async () => {
  a = await node()
  b = await node()
})
afterAll(async () => {
  await a?.auth.dispose()
  await b?.auth.dispose()
  await Effect.runPromise(deleteKeys(keyPrefix))
})

/** The keys the ledger holds in Redis under this run's prefix. */
const keysInRedis = async () => {
  const client = await createClient({ url: redisUrl }).connect()
  try {
    const found: Array<string> = []
    for await (const keys of client.scanIterator({ MATCH: `${keyPrefix}*`, COUNT: 1000 })) found.push(...keys)
    return found.map((key) => key.slice(keyPrefix.length))
  } finally {
    await client.close()
  }
}

describe("createAuth with the Redis ledger (JWT sessions, two nodes)", () => {
  it("signs in on A, is signed in on B; signs out on A: the revocation is in Redis and B refuses the cookie", async () => {
    const onA = a.browser()
    expect((await a.credentialsSignIn(onA)).status).toBe(302)
    const cookie = onA.cookies.get(sessionCookie)!
    expect(cookie).toBeDefined()
    const onB = b.browser()
    onB.cookies.set(sessionCookie, cookie)
    expect(await b.session(onB)).toMatchObject({ user: { email: "ada@example.com" } })

    const before = await keysInRedis()
    const out = await onA.post("/auth/signout", { csrfToken: await onA.csrfToken() })
    expect(out.status).toBe(302)
    const revocations = (keys: ReadonlyArray<string>) => keys.filter((key) => key.startsWith("revoked:"))
    expect(revocations(await keysInRedis()).length).toBe(revocations(before).length + 1)

    expect(await a.session(onA)).toBeNull()
    expect(await b.session(onB)).toBeNull()
    const replay = b.browser()
    replay.cookies.set(sessionCookie, cookie)
    expect(await a.session(replay)).toBeNull()
  })

  it("a refresh claim is single-use across the nodes: one of many concurrent claims wins, then it is free again once released", async () => {
    const account: AccountKey = { provider: github, providerAccountId: `gh-${crypto.randomUUID()}` }
    const claims = Array.from({ length: 20 }, (_, i) => {
      const on = i % 2 === 0 ? a : b
      return on.auth.runtime.runPromise(claimRefresh(account, `holder-${i}`))
    })
    const won = await Promise.all(claims)
    expect(won.filter(Boolean)).toHaveLength(1)
    const holder = `holder-${won.indexOf(true)}`

    // Only the holder releases it; then the other node can take it.
    expect(await a.auth.runtime.runPromise(releaseRefresh(account, "someone-else"))).toBe(false)
    expect(await b.auth.runtime.runPromise(claimRefresh(account, "late"))).toBe(false)
    expect(await a.auth.runtime.runPromise(releaseRefresh(account, holder))).toBe(true)
    expect(await b.auth.runtime.runPromise(claimRefresh(account, "next"))).toBe(true)
  })

  it("with Redis down, it starts, and a signed-in GET /session answers 503 with Retry-After (no hang, no crash)", async () => {
    const down = await startAuth({
      session: { strategy: "jwt" },
      ledger: RedisLedger.layerUrl({ url: `redis://127.0.0.1:${await freePort()}`, keyPrefix })
    })
    try {
      const signedIn = a.browser()
      expect((await a.credentialsSignIn(signedIn)).status).toBe(302)
      const there = down.browser()
      there.cookies.set(sessionCookie, signedIn.cookies.get(sessionCookie)!)
      const response = await there.get("/auth/session")
      expect(response.status).toBe(503)
      expect(response.headers.get("retry-after")).not.toBeNull()
    } finally {
      await down.auth.dispose()
    }
  })
})
