import { createServer } from "node:http"
import { listen } from "./nodeBrowser.ts"

/** One export an OTLP/HTTP client sent. */
export interface Export {
  readonly path: string
  readonly contentType: string
  readonly headers: Readonly<Record<string, string | Array<string> | undefined>>
  readonly body: Buffer
}

interface KeyValue {
  readonly key: string
  readonly value: { readonly stringValue?: string; readonly intValue?: string | number; readonly boolValue?: boolean }
}

export interface ReceivedSpan {
  readonly name: string
  readonly attributes: Readonly<Record<string, unknown>>
  readonly events: ReadonlyArray<{ readonly name: string; readonly attributes: Readonly<Record<string, unknown>> }>
  readonly status: { readonly code: number; readonly message?: string }
}

export interface ReceivedPoint {
  readonly metric: string
  readonly attributes: Readonly<Record<string, unknown>>
  readonly value: number
}

const attributesOf = (list: ReadonlyArray<KeyValue> | undefined) =>
  Object.fromEntries((list ?? []).map((kv) => [kv.key, kv.value.stringValue ?? kv.value.intValue ?? kv.value.boolValue]))

/**
 * A collector of our own: an OTLP/HTTP receiver on 127.0.0.1 that keeps every export as it came (for a scan of
 * the raw bytes) and decodes the JSON ones into spans and metric points.
 */
export const startOtlpReceiver = async () => {
  const exports: Array<Export> = []
  const server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      exports.push({
        path: request.url ?? "",
        contentType: request.headers["content-type"] ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks)
      })
      response.writeHead(200, { "content-type": "application/json" })
      response.end("{}")
    })
  })
  const listening = await listen(server)
  const json = (path: string) =>
    exports.filter((e) => e.path === path && e.contentType.startsWith("application/json")).map((e) => JSON.parse(e.body.toString("utf8")))

  const spans = (): Array<ReceivedSpan> =>
    json("/v1/traces").flatMap((data) =>
      data.resourceSpans.flatMap((r: any) =>
        r.scopeSpans.flatMap((s: any) =>
          s.spans.map((span: any) => ({
            name: span.name,
            attributes: attributesOf(span.attributes),
            events: span.events.map((e: any) => ({ name: e.name, attributes: attributesOf(e.attributes) })),
            status: span.status
          })))))

  /** Every data point of every sum (counter) metric, in the order received; cumulative, so the last one counts. */
  const points = (): Array<ReceivedPoint> =>
    json("/v1/metrics").flatMap((data) =>
      data.resourceMetrics.flatMap((r: any) =>
        r.scopeMetrics.flatMap((s: any) =>
          s.metrics.flatMap((metric: any) =>
            (metric.sum?.dataPoints ?? []).map((p: any) => ({
              metric: metric.name,
              attributes: attributesOf(p.attributes),
              value: Number(p.asInt ?? p.asDouble ?? 0)
            }))))))

  /** The latest cumulative value of `metric` for points whose attributes include `attributes`. */
  const counted = (metric: string, attributes: Readonly<Record<string, string>>) => {
    const matching = points().filter((p) =>
      p.metric === metric && Object.entries(attributes).every(([k, v]) => p.attributes[k] === v)
    )
    return matching.length === 0 ? 0 : matching[matching.length - 1]!.value
  }

  return {
    endpoint: listening.origin,
    exports,
    spans,
    points,
    counted,
    close: listening.close
  }
}
