import { Effect, Layer } from "effect"
import { type OtlpMetrics, type OtlpResource, OtlpSerialization, type OtlpTracer } from "effect/observability"

type KeyValue = OtlpResource.KeyValue
type TraceData = OtlpTracer.TraceData
type MetricsData = OtlpMetrics.MetricsData

/*
 * The last gate before anything leaves the process. authfx's own spans and metrics carry words and configured
 * ids only, but spans it does not write pass through the same tracer: effect/http's server span records the
 * client address, the full URL (a magic link's query holds the token and the e-mail), the user agent and
 * headers; a failed span records its error's message and stack (a store's message may quote a row); a log
 * inside a span becomes an event with the log's text. So what is exported is an allow-list, whatever wrote it:
 * attributes named `authfx.*` and a few HTTP words, exception events reduced to the error's type, no other
 * events, no link attributes; on metrics, the four attribute names authfx uses.
 */

const spanAttributes = new Set(["http.request.method", "http.response.status_code", "effect.fiber.interrupted"])
const metricAttributes = new Set(["provider", "outcome", "result", "reason"])

const keepSpanAttribute = (attribute: KeyValue) => attribute.key.startsWith("authfx.") || spanAttributes.has(attribute.key)
const keepMetricAttribute = (attribute: KeyValue) => metricAttributes.has(attribute.key)

/** An error's type as a name of code (a tag or a class name); anything else is just "Error". */
const typeName = (value: string | null | undefined) =>
  value !== null && value !== undefined && /^[A-Za-z_$][\w$.]{0,63}$/.test(value) ? value : "Error"

type OtlpSpan = TraceData["resourceSpans"][number]["scopeSpans"][number]["spans"][number]

const privateSpan = (span: OtlpSpan): OtlpSpan => {
  const exceptions = span.events
    .filter((event) => event.name === "exception")
    .map((event) => {
      const type = typeName(event.attributes.find((a) => a.key === "exception.type")?.value.stringValue)
      return { ...event, attributes: [{ key: "exception.type", value: { stringValue: type } }] }
    })
  const firstType = exceptions[0]?.attributes[0]?.value.stringValue
  return {
    ...span,
    attributes: span.attributes.filter(keepSpanAttribute),
    events: exceptions,
    links: span.links.map((link) => ({ ...link, attributes: [] })),
    status: span.status.message === undefined ? span.status : { code: span.status.code, message: firstType ?? "Error" }
  }
}

export const privateTraces = (data: TraceData): TraceData => ({
  resourceSpans: data.resourceSpans.map((resource) => ({
    ...resource,
    scopeSpans: resource.scopeSpans.map((scope) => ({ ...scope, spans: scope.spans.map(privateSpan) }))
  }))
})

type OtlpMetric = MetricsData["resourceMetrics"][number]["scopeMetrics"][number]["metrics"][number]

const withPoints = <P extends { readonly attributes?: Array<KeyValue> }>(points: Array<P>): Array<P> =>
  points.map((point) => ({ ...point, attributes: (point.attributes ?? []).filter(keepMetricAttribute) }))

const privateMetric = (metric: OtlpMetric): OtlpMetric => ({
  ...metric,
  ...(metric.sum === undefined ? {} : { sum: { ...metric.sum, dataPoints: withPoints(metric.sum.dataPoints) } }),
  ...(metric.gauge === undefined ? {} : { gauge: { ...metric.gauge, dataPoints: withPoints(metric.gauge.dataPoints) } }),
  ...(metric.histogram === undefined
    ? {}
    : { histogram: { ...metric.histogram, dataPoints: withPoints(metric.histogram.dataPoints) } }),
  ...(metric.exponentialHistogram === undefined
    ? {}
    : { exponentialHistogram: { ...metric.exponentialHistogram, dataPoints: withPoints(metric.exponentialHistogram.dataPoints) } }),
  ...(metric.summary === undefined ? {} : { summary: { ...metric.summary, dataPoints: withPoints(metric.summary.dataPoints) } })
})

export const privateMetrics = (data: MetricsData): MetricsData => ({
  resourceMetrics: data.resourceMetrics.map((resource) => ({
    ...resource,
    scopeMetrics: resource.scopeMetrics.map((scope) => ({ ...scope, metrics: scope.metrics.map(privateMetric) }))
  }))
})

/** OTLP serialization (JSON or protobuf) of only what may leave the process; logs are never exported. */
export const layer = (encoding: "json" | "protobuf") =>
  Layer.effect(
    OtlpSerialization.OtlpSerialization,
    Effect.gen(function*() {
      const base = yield* OtlpSerialization.OtlpSerialization
      return OtlpSerialization.OtlpSerialization.of({
        traces: (data) => base.traces(privateTraces(data)),
        metrics: (data) => base.metrics(privateMetrics(data)),
        logs: () => base.logs({ resourceLogs: [] })
      })
    })
  ).pipe(Layer.provide(encoding === "json" ? OtlpSerialization.layerJson : OtlpSerialization.layerProtobuf))
