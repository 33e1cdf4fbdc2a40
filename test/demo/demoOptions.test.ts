import { describe, expect, it } from "vitest"
import { demoOptions } from "../../src/demo/demoOptions.ts"
import { MissingSecret, WeakSecret } from "../../src/compose/secretFromEnv.ts"

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
