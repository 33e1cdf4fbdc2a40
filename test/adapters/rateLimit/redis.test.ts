/**
 * The RateLimiterStore suite on Redis (127.0.0.1:6379, the shared server: every run under a random key
 * prefix, nothing flushed), and on a Redis that is not there. Redis keeps its own time, so windows are
 * short and waited out for real.
 */
import * as RedisRateLimiterStore from "../../../src/adapters/redis/RedisRateLimiterStore.ts"
import { suite } from "../../conformance/RateLimiterStore.ts"

const prefix = `authfx-test:${crypto.randomUUID()}:`

suite("redis", RedisRateLimiterStore.layer({ url: "redis://127.0.0.1:6379", prefix }), {
  serverTime: true
})

