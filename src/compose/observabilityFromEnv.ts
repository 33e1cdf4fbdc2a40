import type { ObservabilityOptions } from "../adapters/otlp/OtlpExport.ts"

/**
 * The `observability` option from the standard OpenTelemetry variables: OTEL_EXPORTER_OTLP_ENDPOINT (unset or
 * empty: off), OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_HEADERS (`key=value,key2=value2`, values URL-encoded) and
 * OTEL_EXPORTER_OTLP_PROTOCOL (`http/protobuf`, the default, or `http/json`). OTEL_SDK_DISABLED=true turns it off.
 */
export const observabilityFromEnv = (
  env: Readonly<Record<string, string | undefined>>,
  defaultServiceName = "authfx"
): ObservabilityOptions | undefined => {
  const endpoint = env["OTEL_EXPORTER_OTLP_ENDPOINT"]?.trim()
  if (endpoint === undefined || endpoint === "" || env["OTEL_SDK_DISABLED"]?.trim().toLowerCase() === "true") return undefined
  const headers: Record<string, string> = {}
  for (const pair of (env["OTEL_EXPORTER_OTLP_HEADERS"] ?? "").split(",")) {
    const eq = pair.indexOf("=")
    if (eq <= 0) continue
    const name = pair.slice(0, eq).trim()
    const value = pair.slice(eq + 1).trim()
    try {
      headers[name] = decodeURIComponent(value)
    } catch {
      headers[name] = value
    }
  }
  const serviceName = env["OTEL_SERVICE_NAME"]?.trim()
  return {
    endpoint,
    serviceName: serviceName === undefined || serviceName === "" ? defaultServiceName : serviceName,
    ...(Object.keys(headers).length === 0 ? {} : { headers }),
    encoding: env["OTEL_EXPORTER_OTLP_PROTOCOL"]?.trim() === "http/json" ? "json" : "protobuf"
  }
}
