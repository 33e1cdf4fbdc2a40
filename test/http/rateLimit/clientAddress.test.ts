/**
 * Which client a request counts for: the socket peer by default (X-Forwarded-For ignored), the entry our
 * outermost trusted proxy added when `trustedProxies` is set (spoofed leftmost entries ignored), IPv6 by /64.
 */
import { afterAll, describe, expect, it } from "vitest"
import { addressKey } from "../../../src/http/request/clientAddress.ts"
import type { Browser } from "../../support/browser.ts"
import { startAuth } from "../../support/httpHarness.ts"
import { serveAuth } from "../../support/nodeAuth.ts"

describe("addressKey", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7"],
    ["::ffff:203.0.113.7", "203.0.113.7"],
    ["[2001:db8:1:2::1]", "2001:db8:1:2::/64"],
    ["2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"],
    ["2001:0db8:0001:0002::9", "2001:db8:1:2::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["not an address", undefined],
    ["", undefined],
    ["1.2.3.4.5", undefined]
  ])("%s → %s", (address, key) => expect(addressKey(address)).toBe(key))
})

const isRateLimited = (response: Response) => (response.headers.get("location") ?? "").includes("error=RateLimited")
const post = async (b: Browser, forwardedFor: string) =>
  b.post("/auth/signin/github", { csrfToken: await b.csrfToken() }, { "x-forwarded-for": forwardedFor })

describe("behind trusted proxies", () => {
  const started = startAuth({ http: { url: "http://localhost:3000/auth", trustedProxies: 1 }, rateLimit: { post: { limit: 2, window: "1 minute" } } })
  afterAll(async () => (await started).auth.dispose())

  it("the rightmost entry counts: varying the leftmost (spoofed) entries changes nothing", async () => {
    const b = (await started).browser()
    const answers = []
    for (const spoofed of ["1.1.1.1", "2.2.2.2", "3.3.3.3"]) answers.push(isRateLimited(await post(b, `${spoofed}, 203.0.113.50`)))
    expect(answers).toEqual([false, false, true])
    expect(isRateLimited(await post(b, "203.0.113.50, 203.0.113.51"))).toBe(false)
  })

  it("IPv6 addresses of one /64 count as one client; the next /64 is another", async () => {
    const b = (await started).browser()
    const answers = []
    for (const address of ["2001:db8:5:6::1", "2001:db8:5:6:aaaa::2", "2001:db8:5:6:ffff:ffff:ffff:ffff"]) {
      answers.push(isRateLimited(await post(b, address)))
    }
    expect(answers).toEqual([false, false, true])
    expect(isRateLimited(await post(b, "2001:db8:5:7::1"))).toBe(false)
  })
})

describe("without trusted proxies (Node listener)", () => {
  it("the socket peer counts and X-Forwarded-For is ignored", async () => {
    const t = await serveAuth({ rateLimit: { post: { limit: 2, window: "1 minute" } } })
    try {
      const answers = []
      for (const forged of ["1.1.1.1", "2.2.2.2", "3.3.3.3"]) {
        const b = t.browser()
        const csrf = await b.csrfToken()
        const response = await b.post("/auth/signin/github", { csrfToken: csrf }, { "x-forwarded-for": forged })
        answers.push((response.headers.get("location") ?? "").includes("error=RateLimited"))
      }
      expect(answers).toEqual([false, false, true])
    } finally {
      await t.close()
    }
  })
})
