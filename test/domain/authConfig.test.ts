import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import type { ProviderId } from "../../src/domain/Account.ts"
import { resolveAuthConfig } from "../../src/domain/AuthConfig.ts"

const oauth = (id: string) => ({ type: "oauth" as const, id: id as ProviderId, name: id, trustEmail: false })
const failure = (options: Parameters<typeof resolveAuthConfig>[0]) =>
  Effect.runSync(Effect.flip(resolveAuthConfig(options)))

describe("resolveAuthConfig", () => {
  it("applies Auth.js's defaults: JWT, 30 days, renewal after 24 hours", () => {
    const config = Effect.runSync(resolveAuthConfig({ providers: [] }))
    expect(config.session).toEqual({ strategy: "jwt", maxAge: 30 * 24 * 3600, updateAge: 24 * 3600, stepUpMaxAge: 600 })
  })

  it.each([
    ["a provider id that is not a path segment", { providers: [oauth("Git Hub")] }, "provider id \"Git Hub\""],
    ["a provider id used twice", { providers: [oauth("github"), oauth("github")] }, "configured twice"],
    ["maxAge of zero", { providers: [], session: { maxAge: 0 } }, "maxAge"],
    ["updateAge beyond maxAge", { providers: [], session: { maxAge: 60, updateAge: 120 } }, "updateAge"]
  ])("refuses %s with a message saying what to change", (_name, options, message) => {
    const error = failure(options)
    expect(error._tag).toBe("ConfigurationInvalid")
    expect(error.message).toContain(message)
  })
})
