import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { resolveRedirect, safeRedirect } from "../../src/domain/redirectPolicy.ts"
import { run } from "../support/memoryHarness.ts"

const baseUrl = "https://app.example.com/"
const allowedOrigins = ["https://docs.example.com"]

describe("safeRedirect", () => {
  it.each([
    ["/dashboard", "https://app.example.com/dashboard"],
    ["/a/b?x=1#top", "https://app.example.com/a/b?x=1#top"],
    ["https://app.example.com/settings", "https://app.example.com/settings"],
    ["https://docs.example.com/guide", "https://docs.example.com/guide"],
    ["https://evil.example/", baseUrl],
    ["http://app.example.com/", baseUrl],
    ["https://app.example.com.evil.example/", baseUrl],
    ["//evil.example/path", baseUrl],
    ["/\\evil.example/path", baseUrl],
    ["\\\\evil.example", baseUrl],
    ["https://user@app.example.com/", baseUrl],
    ["https://app.example.com@evil.example/", baseUrl],
    ["javascript:alert(1)", baseUrl],
    ["JavaScript:alert(1)", baseUrl],
    ["data:text/html,<script>alert(1)</script>", baseUrl],
    ["/\tjavascript:alert(1)", baseUrl],
    ["/%0a/evil.example", "https://app.example.com/%0a/evil.example"],
    ["", baseUrl],
    ["not a url", baseUrl],
    ["https://[::1", baseUrl],
    ["/" + "a".repeat(3000), baseUrl]
  ])("%s → %s", (url, expected) => {
    assert.strictEqual(safeRedirect({ url, baseUrl, allowedOrigins }), expected)
  })
})

describe("resolveRedirect", () => {
  it.effect("applies the redirect callback, then the policy again", () =>
    run(
      Effect.gen(function*() {
        assert.strictEqual(yield* resolveRedirect("/here", baseUrl), "https://app.example.com/welcome")
        assert.strictEqual(yield* resolveRedirect("/out", baseUrl), baseUrl)
      }),
      {
        callbacks: {
          redirect: ({ url }) => (url.endsWith("/out") ? "https://evil.example/" : "/welcome")
        }
      }
    ))

  it.effect("a failing callback sends to the base URL", () =>
    run(
      Effect.gen(function*() {
        assert.strictEqual(yield* resolveRedirect("/here", baseUrl), baseUrl)
      }),
      { callbacks: { redirect: () => Promise.reject(new Error("boom")) } }
    ))

  it.effect("without a callback, the allow-list from the configuration applies", () =>
    run(
      Effect.gen(function*() {
        assert.strictEqual(yield* resolveRedirect("https://docs.example.com/x", baseUrl), "https://docs.example.com/x")
        assert.strictEqual(yield* resolveRedirect("https://other.example.com/x", baseUrl), baseUrl)
      }),
      { trust: { redirectOrigins: allowedOrigins } }
    ))
})
