import { describe, expect, it } from "vitest"
import { observabilityFromEnv } from "../../src/compose/observabilityFromEnv.ts"
import { MissingSecret, WeakSecret } from "../../src/compose/secretFromEnv.ts"
import { demoOptions } from "../../src/demo/demoOptions.ts"

describe("observabilityFromEnv: the OpenTelemetry variables", () => {
  it("is off without an endpoint, with an empty one, or with OTEL_SDK_DISABLED=true", () => {
    expect(observabilityFromEnv({})).toBeUndefined()
    expect(observabilityFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: " " })).toBeUndefined()
    expect(observabilityFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SDK_DISABLED: "true" })).toBeUndefined()
  })

  it("reads the endpoint, service name, headers (URL-encoded values) and protocol", () => {
    expect(observabilityFromEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
      OTEL_SERVICE_NAME: "login",
      OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20abc, x-team = auth ,broken",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json"
    })).toEqual({
      endpoint: "http://collector:4318",
      serviceName: "login",
      headers: { authorization: "Bearer abc", "x-team": "auth" },
      encoding: "json"
    })
    expect(observabilityFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" })).toEqual({
      endpoint: "http://c:4318",
      serviceName: "authfx",
      encoding: "protobuf"
    })
  })

  it("configures the demo: OTEL_EXPORTER_OTLP_ENDPOINT turns it on, service authfx-demo", () => {
    const env = { AUTH_SECRET: "ZKHFolM6FJFnYEnD+dCDDy02LAikPEtgLCWIly7UAeBu", AUTHFX_DB_FILE: ":memory:" }
    const off = demoOptions(env)
    const on = demoOptions({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" })
    if (off instanceof MissingSecret || off instanceof WeakSecret || on instanceof MissingSecret || on instanceof WeakSecret) {
      throw new Error("the test's secret was refused")
    }
    expect(off.observability).toBeUndefined()
    expect(on.observability).toEqual({ endpoint: "http://127.0.0.1:4318", serviceName: "authfx-demo", encoding: "protobuf" })
  })
})
