import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { secretStrength } from "../../src/domain/secretStrength.ts"

const cli = fileURLToPath(new URL("../../src/cli/authfx.ts", import.meta.url))

const run = (...args: Array<string>) =>
  new Promise<{ readonly code: number; readonly stdout: string; readonly stderr: string }>((resolve) => {
    execFile(process.execPath, [cli, ...args], { timeout: 20_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr }))
  })

describe("the authfx secret command", () => {
  it("prints one new strong secret, 44 base64 characters (33 random bytes), and nothing else", async () => {
    const [a, b] = await Promise.all([run("secret"), run("secret")])
    for (const result of [a, b]) {
      expect(result.code).toBe(0)
      expect(result.stderr).toBe("")
      expect(result.stdout).toMatch(/^[A-Za-z0-9+/]{44}\n$/)
      const secret = result.stdout.trim()
      expect(secret).toHaveLength(44)
      expect(Buffer.from(secret, "base64")).toHaveLength(33)
      expect(secretStrength(secret)).toBe("strong")
    }
    expect(a.stdout).not.toBe(b.stdout)
  })

  it("is listed in the usage", async () => {
    const result = await run("help")
    expect(result.stderr).toContain("secret    print a new random secret for AUTH_SECRET")
  })
})
