import { NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Exit, Layer, Metric, Option, Scope, Tracer } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { OtlpExporter } from "effect/observability"
import { createServer } from "node:http"
import { authHttpApp } from "../../../src/compose/authHttpApp.ts"
import { testSecret } from "../../support/httpHarness.ts"
import { testProviders } from "../../support/memoryHarness.ts"
import { makeNodeBrowser } from "../../support/nodeBrowser.ts"
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

it("authHttpApp exports too: the routes run with the app's tracer and registry inside the application's server", async () => {
  receiver.exports.length = 0
  const scope = Effect.runSync(Scope.make())
  const auth = Layer.unwrap(Effect.gen(function*() {
    const address = (yield* HttpServer.HttpServer).address
    if (address._tag === "UnixPathAddress") return yield* Effect.die(new Error("expected a TCP address"))
    return authHttpApp({
      providers: testProviders,
      secret: testSecret,
      http: { url: `http://127.0.0.1:${address.port}/auth` },
      observability: { endpoint: receiver.endpoint, encoding: "json" }
    })
  }))
  const served = HttpRouter.serve(auth, { disableLogger: true, disableListenLog: true }).pipe(
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
  )
  const context = await Effect.runPromise(Layer.buildWithScope(served, scope))
  const address = Context.get(context, HttpServer.HttpServer).address
  if (address._tag === "UnixPathAddress") throw new Error("expected a TCP address")
  const b = makeNodeBrowser(`http://127.0.0.1:${address.port}`)
  await b.post("/auth/callback/credentials", { csrfToken: await b.csrfToken(), username: "ada", password: "correct horse" })
  expect((await b.get("/auth/session")).status).toBe(200)
  await Effect.runPromise(Scope.close(scope, Exit.void))
  expect(receiver.spans().some((s) => s.name === "authfx.callback" && s.attributes["authfx.outcome"] === "success")).toBe(true)
  expect(receiver.counted("authfx.sign_ins", { provider: "credentials", outcome: "success" })).toBe(1)
  expect(receiver.counted("authfx.session_checks", { result: "hit" })).toBe(1)
})
