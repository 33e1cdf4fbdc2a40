import { type Duration, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import { OtlpMetrics, OtlpTracer } from "effect/observability"
import * as PrivateSerialization from "./privateSerialization.ts"

/** Where and how authfx exports its traces and metrics (OTLP over HTTP). */
export interface ObservabilityOptions {
  /**
   * The collector's OTLP/HTTP base URL (OTEL_EXPORTER_OTLP_ENDPOINT), e.g. `http://127.0.0.1:4318`: traces go
   * to `<endpoint>/v1/traces`, metrics to `<endpoint>/v1/metrics`.
   */
  readonly endpoint: string
  /** The `service.name` of the resource. Default "authfx". */
  readonly serviceName?: string
  readonly serviceVersion?: string
  /** Sent with every export, e.g. `{ authorization: "Bearer …" }` (OTEL_EXPORTER_OTLP_HEADERS). */
  readonly headers?: Readonly<Record<string, string>>
  /** `protobuf` (the OTLP/HTTP default) or `json`. */
  readonly encoding?: "protobuf" | "json"
  /** How often spans and metrics are sent. Default 5 seconds for spans, 10 for metrics; both flush at shutdown. */
  readonly exportInterval?: Duration.Input
}

const signalUrl = (endpoint: string, signal: "traces" | "metrics") => `${endpoint.replace(/\/+$/, "")}/v1/${signal}`

/**
 * The OTLP tracer and metrics exporter, each a fiber that sends in batches on its interval and flushes when the
 * layer's scope closes. Everything goes through the private serialization (privateSerialization.ts). Metrics
 * are read from the `Metric.MetricRegistry` of the context this layer is built in.
 */
export const layer = (options: ObservabilityOptions) => {
  const resource = {
    serviceName: options.serviceName ?? "authfx",
    ...(options.serviceVersion === undefined ? {} : { serviceVersion: options.serviceVersion })
  }
  const common = { resource, ...(options.headers === undefined ? {} : { headers: { ...options.headers } }) }
  return Layer.mergeAll(
    OtlpTracer.layer({
      url: signalUrl(options.endpoint, "traces"),
      ...common,
      ...(options.exportInterval === undefined ? {} : { exportInterval: options.exportInterval })
    }),
    OtlpMetrics.layer({
      url: signalUrl(options.endpoint, "metrics"),
      ...common,
      ...(options.exportInterval === undefined ? {} : { exportInterval: options.exportInterval })
    })
  ).pipe(Layer.provide(PrivateSerialization.layer(options.encoding ?? "protobuf")), Layer.provide(FetchHttpClient.layer))
}
