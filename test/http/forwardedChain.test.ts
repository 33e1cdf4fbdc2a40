import { describe, expect, it } from "vitest"
import { forwardedEntry } from "../../src/http/request/forwardedChain.ts"

describe("forwardedEntry: the entry our outermost trusted proxy added, counted from the right", () => {
  it.each([
    // header, trustedProxies, expected
    [undefined, 1, undefined],
    ["app.example.com", 1, "app.example.com"],
    // The client wrote the leftmost entries; our one proxy appended the last.
    ["evil.example, app.example.com", 1, "app.example.com"],
    ["evil.example,app.example.com", 1, "app.example.com"],
    ["evil.example, other.evil, app.example.com", 1, "app.example.com"],
    // Two proxies of ours: the outer one's entry is second from the right; the inner one's is ignored.
    ["evil.example, app.example.com, internal.lan:8080", 2, "app.example.com"],
    ["a, b, c, d, e", 3, "c"],
    // Fewer entries than trusted proxies: all are ours (one overwrote instead of appending).
    ["app.example.com", 2, "app.example.com"],
    ["app.example.com, internal.lan", 5, "app.example.com"],
    // Whitespace around entries is not part of them.
    ["  evil.example ,\t app.example.com  ", 1, "app.example.com"],
    ["   app.example.com   ", 1, "app.example.com"],
    // Empty entries keep their place: an empty entry where ours should be is empty, not the client's.
    ["evil.example, ", 1, ""],
    ["evil.example,", 1, ""],
    ["", 1, ""],
    [",", 2, ""],
    ["evil.example, , app.example.com", 1, "app.example.com"],
    ["evil.example, app.example.com, ", 2, "app.example.com"],
    // The same rule for X-Forwarded-Proto and X-Forwarded-For.
    ["http, https", 1, "https"],
    ["https, http", 1, "http"],
    ["203.0.113.9, 198.51.100.7", 1, "198.51.100.7"],
    ["1.1.1.1, 203.0.113.9, 10.0.0.2", 2, "203.0.113.9"]
  ])("%j with %i trusted → %j", (header, trusted, expected) => {
    expect(forwardedEntry(header, trusted)).toBe(expected)
  })

  it("a spoofed leftmost entry never wins, however many the client prepends", () => {
    for (let prepended = 1; prepended <= 50; prepended++) {
      const forged = Array.from({ length: prepended }, (_, i) => `evil-${i}.example`)
      expect(forwardedEntry([...forged, "app.example.com"].join(", "), 1)).toBe("app.example.com")
      expect(forwardedEntry([...forged, "app.example.com", "internal.lan"].join(", "), 2)).toBe("app.example.com")
    }
  })
})
