/** bench/servers/authfx.ts with `rateLimit: false`: the baseline that shows what the rate limits cost GET /session. */
process.env["BENCH_RATE_LIMIT"] = "off"
await import("./authfx.ts")
