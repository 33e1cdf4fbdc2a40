import { Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { MissingSecret, secretFromEnv, WeakSecret } from "../../src/compose/secretFromEnv.ts"
import { secretStrength } from "../../src/domain/secretStrength.ts"

// `openssl rand -base64 33`
const strong = "Sgi1c/4MEr62a3d08Iin49erm+fKQxZhWkXXwAayBVsE"
const older = "pI5i1yiv2qXq7EdnHOM/KQ+M+W/2MVXCx7f9/4LkgEQ0"

const read = (env: Record<string, string | undefined>) => {
  const warnings: Array<string> = []
  const result = secretFromEnv(env, (message) => warnings.push(message))
  return { result, warnings }
}

type Result = ReturnType<typeof secretFromEnv>
const isError = (result: Result): result is MissingSecret | WeakSecret =>
  result instanceof MissingSecret || result instanceof WeakSecret
const values = (result: Result) => (isError(result) ? result : result.map(Redacted.value))

describe("secretFromEnv", () => {
  it.each(["development", "production"])("reads AUTH_SECRET then AUTH_SECRET_1…3 in %s", (mode) => {
    const { result, warnings } = read({ NODE_ENV: mode, AUTH_SECRET: strong, AUTH_SECRET_2: ` ${older} ` })
    expect(values(result)).toEqual([strong, older])
    expect(warnings).toEqual([])
  })

  it.each([
    ["development", "AUTH_SECRET", "tiny-secret"],
    ["production", "AUTH_SECRET", "tiny-secret"],
    ["development", "AUTH_SECRET", "hunter2hunter2hunter2hunter2hunter2"],
    ["production", "AUTH_SECRET", "changeme-changeme-changeme-changeme"],
    ["development", "AUTH_SECRET_1", "0123456789abcdef0123456789abcdef"]
  ])("in %s a weak %s is refused with WeakSecret naming the variable, never the value", (mode, name, value) => {
    const { result } = read({ NODE_ENV: mode, AUTH_SECRET: strong, [name]: value })
    if (!isError(result)) return expect.fail("a weak secret was accepted")
    expect(result._tag).toBe("WeakSecret")
    expect(result.message.startsWith(`${name} `)).toBe(true)
    expect(result.message).toContain("openssl rand -base64 33")
    expect(result.message).toContain("npx authfx secret")
    expect(result.message).not.toContain(value)
  })

  it("in production a missing secret is MissingSecret, saying how to make one", () => {
    const { result } = read({ NODE_ENV: "production" })
    if (!isError(result)) return expect.fail("started without a secret")
    expect(result._tag).toBe("MissingSecret")
    expect(result.message).toContain("npx authfx secret")
  })

  it("in development a missing secret is generated: strong, 44 base64 characters, new each time, with a warning", () => {
    const [a, b] = [read({}), read({})]
    const [first, second] = [values(a.result), values(b.result)]
    if (!Array.isArray(first)) return expect.fail("no secret was generated")
    expect(first).toHaveLength(1)
    expect(first[0]).toMatch(/^[A-Za-z0-9+/]{44}$/)
    expect(first).not.toEqual(second)
    expect(secretStrength(first[0] ?? "")).toBe("strong")
    expect(a.warnings.join("\n")).toContain("AUTH_SECRET is not set")
  })
})
