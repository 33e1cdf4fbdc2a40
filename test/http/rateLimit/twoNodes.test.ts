/**
 * Two nodes (two createAuth instances) on one PostgreSQL ledger share their counters: a burst split over
 * both is limited as one, per address and per identifier — the default store when a ledger is given.
 */
import { Effect, Exit, Layer, Scope } from "effect"
import { afterAll, beforeAll, expect, it } from "vitest"
import { PostgresClient } from "../../../src/adapters/postgres/PostgresClient.ts"
import * as PostgresLedger from "../../../src/adapters/postgres/PostgresLedger.ts"
import { client, migratedSchema } from "../../adapters/postgres/testDatabase.ts"
import { startAuth } from "../../support/httpHarness.ts"

const scope = Effect.runSync(Scope.make())
let schema = ""
const nodes: Array<Awaited<ReturnType<typeof startAuth>>> = []

beforeAll(async () => {
  schema = await Effect.runPromise(Scope.provide(migratedSchema("ratelimit_two_nodes"), scope))
  for (let i = 0; i < 2; i++) {
    nodes.push(await startAuth({
      http: { url: "http://localhost:3000/auth", trustedProxies: 1 },
      ledger: PostgresLedger.layer.pipe(Layer.provide(Layer.effect(PostgresClient, client(schema, { max: 4 })))),
      rateLimit: { passwordBackoff: false }
    }))
  }
})
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.auth.dispose()))
  await Effect.runPromise(Scope.close(scope, Exit.void))
})

const isRateLimited = (response: Response) => (response.headers.get("location") ?? "").includes("error=RateLimited")

it("a credentials burst for one username alternating between the nodes is limited at 5, as on one node", async () => {
  const answers = []
  for (let i = 0; i < 8; i++) {
    const b = nodes[i % 2]!.browser()
    const answer = await b.post(
      "/auth/callback/credentials",
      { csrfToken: await b.csrfToken(), username: "hank", password: "wrong" },
      { "x-forwarded-for": `192.0.2.${i + 1}` }
    )
    answers.push(isRateLimited(answer))
  }
  expect(answers).toEqual([false, false, false, false, false, true, true, true])
})

it("a per-address burst split over both nodes at once is limited as one", async () => {
  const send = async (i: number) => {
    const b = nodes[i % 2]!.browser()
    return isRateLimited(await b.post(
      "/auth/callback/credentials",
      { csrfToken: await b.csrfToken(), username: `user${i}`, password: "wrong" },
      { "x-forwarded-for": "192.0.2.200" }
    ))
  }
  const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => send(i)))
  expect(answers.filter((limited) => !limited)).toHaveLength(10)
})
