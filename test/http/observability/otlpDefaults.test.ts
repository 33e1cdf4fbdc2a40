import { Effect, Metric, Option, Tracer } from "effect"
import { OtlpExporter } from "effect/observability"
import { afterAll, beforeAll, expect, it } from "vitest"
import { serveAuth } from "../../support/nodeAuth.ts"
import { startOtlpReceiver } from "../../support/otlpReceiver.ts"

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>
beforeAll(async () => {
  receiver = await startOtlpReceiver()
})
afterAll(() => receiver.close())

it("is off without `observability`: no exporter, the native tracer, nothing sent, even with OTEL_EXPORTER_OTLP_ENDPOINT set", async () => {
  const before = process.env["OTEL_EXPORTER_OTLP_ENDPOINT"]
  process.env["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.endpoint
  try {
    const t = await serveAuth()
    const b = t.browser()
    await t.credentialsSignIn(b)
    expect((await b.get("/auth/session")).status).toBe(200)
    const { flusher, tracer, snapshot } = await t.auth.runtime.runPromise(Effect.all({
      flusher: Effect.serviceOption(OtlpExporter.Flusher),
      tracer: Effect.tracer,
      snapshot: Metric.snapshot
    }))
    expect(Option.isNone(flusher)).toBe(true)
    expect(tracer).toBe(Tracer.nativeTracer)
    // The counters still count, in the app's own registry, for whoever reads it through `runtime`.
    const hits = snapshot.find((s) => s.id === "authfx.session_checks" && s.attributes?.["result"] === "hit")
    expect(hits?.state).toMatchObject({ count: 1 })
    await t.close()
  } finally {
    if (before === undefined) delete process.env["OTEL_EXPORTER_OTLP_ENDPOINT"]
    else process.env["OTEL_EXPORTER_OTLP_ENDPOINT"] = before
  }
  expect(receiver.exports).toEqual([])
})

it("exports protobuf by default, through the same gate", async () => {
  const t = await serveAuth({ observability: { endpoint: `${receiver.endpoint}/` } })
  const b = t.browser()
  await t.credentialsSignIn(b)
  await t.close()
  const traces = receiver.exports.filter((e) => e.path === "/v1/traces")
  expect(traces.length).toBeGreaterThan(0)
  expect(receiver.exports.every((e) => e.contentType === "application/x-protobuf")).toBe(true)
  const bytes = Buffer.concat(receiver.exports.map((e) => e.body))
  // Protobuf keeps strings as UTF-8: names can be found, and so could an address.
  expect(bytes.includes("authfx.callback")).toBe(true)
  expect(bytes.includes("authfx.sign_ins")).toBe(true)
  expect(bytes.includes("ada@example.com")).toBe(false)
  expect(bytes.includes("127.0.0.1")).toBe(false)
})
