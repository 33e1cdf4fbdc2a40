/** The cache behind the PostgreSQL caches: what a change, a reset and a racing read leave in it. */
import { describe, expect, it } from "vitest"
import { makeNotifiedCache } from "../../../src/adapters/postgres/notifiedCache.ts"

describe("makeNotifiedCache", () => {
  it("caches what a read found, and a change drops it", () => {
    const cache = makeNotifiedCache<string>(10)
    cache.finish(cache.begin(), [["a", "1"]])
    expect(cache.peek("a")).toBe("1")
    cache.invalidate("a")
    expect(cache.peek("a")).toBeUndefined()
  })

  it("a read that began before a change of its key is not cached (it may hold the row as it was)", () => {
    const cache = makeNotifiedCache<string>(10)
    const racing = cache.begin()
    cache.invalidate("a")
    cache.finish(racing, [["a", "old"], ["b", "2"]])
    expect(cache.peek("a")).toBeUndefined()
    expect(cache.peek("b")).toBe("2")
    // A read begun after the change is cached.
    cache.finish(cache.begin(), [["a", "new"]])
    expect(cache.peek("a")).toBe("new")
  })

  it("a change seen while another read is in flight still refuses the read that began before it", () => {
    const cache = makeNotifiedCache<string>(10)
    const first = cache.begin()
    const second = cache.begin()
    cache.finish(second, [["x", "1"]])
    cache.invalidate("a")
    cache.finish(first, [["a", "old"]])
    expect(cache.peek("a")).toBeUndefined()
  })

  it("a reset empties it, and no read in flight at the reset is cached", () => {
    const cache = makeNotifiedCache<string>(10)
    cache.finish(cache.begin(), [["a", "1"]])
    const racing = cache.begin()
    cache.reset()
    cache.finish(racing, [["b", "2"]])
    expect(cache.size()).toBe(0)
  })

  it("invalidateWhere drops the matching values and refuses reads in flight", () => {
    const cache = makeNotifiedCache<{ user: string }>(10)
    cache.finish(cache.begin(), [["s1", { user: "u1" }], ["s2", { user: "u2" }]])
    const racing = cache.begin()
    cache.invalidateWhere((v) => v.user === "u1")
    cache.finish(racing, [["s3", { user: "u1" }]])
    expect(cache.peek("s1")).toBeUndefined()
    expect(cache.peek("s2")).toEqual({ user: "u2" })
    expect(cache.peek("s3")).toBeUndefined()
  })

  it("holds at most maxEntries, oldest out first", () => {
    const cache = makeNotifiedCache<number>(3)
    for (let i = 0; i < 5; i++) cache.finish(cache.begin(), [[`k${i}`, i]])
    expect(cache.size()).toBe(3)
    expect(cache.peek("k0")).toBeUndefined()
    expect(cache.peek("k4")).toBe(4)
  })
})
