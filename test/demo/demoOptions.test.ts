import { Effect, Option } from "effect"
import { createClient } from "redis"
import { describe, expect, it } from "vitest"
import { demoOptions } from "../../src/demo/demoOptions.ts"
import { MissingSecret, WeakSecret } from "../../src/compose/secretFromEnv.ts"
import { Ledger } from "../../src/ports/Ledger.ts"
import { deleteKeys, redisUrl, testPrefix } from "../adapters/redis/testRedis.ts"

const idpEnv = {
  AUTH_SECRET: "ZKHFolM6FJFnYEnD+dCDDy02LAikPEtgLCWIly7UAeBu",
  OIDC_ISSUER: "https://idp.example",
  OIDC_CLIENT_ID: "authfx-demo",
  AUTHFX_DB_FILE: ":memory:"
}

const trustsEmail = (extra: Readonly<Record<string, string>>) => {
  const options = demoOptions({ ...idpEnv, ...extra })
  if (options instanceof MissingSecret || options instanceof WeakSecret) throw new Error("the test's secret was refused")
  return options.oauthProviders?.[0]?.trustEmail
}

describe("demoOptions: the IdP of OIDC_ISSUER is trusted for e-mail only when the operator says so", () => {
  it.each([
    ["unset", {}, false],
    ["empty", { OIDC_TRUST_EMAIL: "" }, false],
    ["false", { OIDC_TRUST_EMAIL: "false" }, false],
    ["yes (not a recognised value)", { OIDC_TRUST_EMAIL: "yes" }, false],
    ["true", { OIDC_TRUST_EMAIL: "true" }, true],
    ["1", { OIDC_TRUST_EMAIL: "1" }, true]
  ])("OIDC_TRUST_EMAIL %s", (_name, extra, expected) => {
    expect(trustsEmail(extra)).toBe(expected)
  })
})

describe("demoOptions: SIGNED_OUT_SESSION='{}' makes a signed-out GET /session answer {} (next-auth 4's client)", () => {
  it.each([
    ["unset", {}, undefined],
    ["null", { SIGNED_OUT_SESSION: "null" }, undefined],
    ["{ } (not the value)", { SIGNED_OUT_SESSION: "{ }" }, undefined],
    ["{}", { SIGNED_OUT_SESSION: "{}" }, "{}"]
  ])("SIGNED_OUT_SESSION %s", (_name, extra, expected) => {
    const options = demoOptions({ ...idpEnv, ...extra })
    if (options instanceof MissingSecret || options instanceof WeakSecret) throw new Error("the test's secret was refused")
    expect(options.http.signedOutSession).toBe(expected)
  })
})

describe("demoOptions: REDIS_URL puts the ledger in Redis, under REDIS_KEY_PREFIX", () => {
  const ledgerOf = (extra: Readonly<Record<string, string>>) => {
    const options = demoOptions({ ...idpEnv, ...extra })
    if (options instanceof MissingSecret || options instanceof WeakSecret) throw new Error("the test's secret was refused")
    return options.ledger!
  }
  const written = (extra: Readonly<Record<string, string>>, key: string) =>
    Effect.runPromise(Ledger.use((ledger) =>
      // Retried: a first connection on a loaded machine can outlast the 2 s default timeout.
      ledger.set(key, { value: "v", expiresAt: new Date(Date.now() + 60_000) }).pipe(
        Effect.retry({ times: 3 }),
        Effect.as(Option.isSome(ledger.sync))
      )
    ).pipe(Effect.provide(ledgerOf(extra))))

  it("with REDIS_URL, an entry the ledger writes is in Redis under the prefix", async () => {
    const prefix = testPrefix("demo")
    const key = `k:${crypto.randomUUID()}`
    try {
      expect(await written({ REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix }, key)).toBe(false)
      const client = await createClient({ url: redisUrl }).connect()
      try {
        expect(await client.get(`${prefix}${key}`)).toMatch(/^\d+:v$/)
      } finally {
        await client.close()
      }
    } finally {
      await Effect.runPromise(deleteKeys(prefix))
    }
  })

  it("without it (or empty), the ledger is the embedded store's, answering reads synchronously", async () => {
    expect(await written({}, `k:${crypto.randomUUID()}`)).toBe(true)
    expect(await written({ REDIS_URL: "" }, `k:${crypto.randomUUID()}`)).toBe(true)
  })
})

describe("demoOptions: the rate limits stay on unless RATE_LIMIT is exactly off", () => {
  it.each([
    ["unset", {}, undefined],
    ["false (not the value)", { RATE_LIMIT: "false" }, undefined],
    ["off", { RATE_LIMIT: "off" }, false]
  ])("RATE_LIMIT %s", (_name, extra, expected) => {
    const options = demoOptions({ ...idpEnv, ...extra })
    if (options instanceof MissingSecret || options instanceof WeakSecret) throw new Error("the test's secret was refused")
    expect(options.rateLimit).toBe(expected)
  })
})
