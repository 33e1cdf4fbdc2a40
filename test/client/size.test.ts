/**
 * A size budget, not a timing: the framework-free client (store + API functions), bundled and minified by
 * esbuild and gzipped, stays under 3 KB, and holds no dependency — React least of all.
 */
import { describe, expect, it } from "vitest"
import { clientSize, passkeySize, reactBindingSize } from "../../bench/clientSize.ts"

describe("authfx/client size", () => {
  it("is under 3072 bytes minified and gzipped", async () => {
    const size = await clientSize()
    expect(size.gzipped).toBeLessThan(3072)
  })

  it("bundles only its own files: no dependency, no React", async () => {
    const size = await clientSize()
    expect(size.external).toEqual([])
    expect(size.inputs.every((input) => input.startsWith("src/client/")), size.inputs.join(", ")).toBe(true)
  })

  it("the React binding imports React and nothing else from outside", async () => {
    const size = await reactBindingSize()
    expect(size.external).toEqual(["react"])
    expect(size.inputs.every((input) => input.startsWith("src/client/")), size.inputs.join(", ")).toBe(true)
  })

  it("the passkey helpers are their own entry: src/client and @simplewebauthn/browser only", async () => {
    const size = await passkeySize()
    expect(size.external).toEqual([])
    const foreign = size.inputs.filter((input) => !input.startsWith("src/client/") && !input.includes("@simplewebauthn/browser/"))
    expect(foreign).toEqual([])
  })
})
