import { describe, expect, it } from "vitest"
import { privateMetrics, privateTraces } from "../../../src/adapters/otlp/privateSerialization.ts"

const s = (stringValue: string) => ({ stringValue })

describe("privateTraces: only allow-listed attributes, exception types, no log events leave", () => {
  it("drops what effect/http and failures record about a person", () => {
    const span = {
      traceId: "t",
      spanId: "s",
      parentSpanId: undefined,
      name: "POST",
      kind: 2,
      startTimeUnixNano: "1",
      endTimeUnixNano: "2",
      attributes: [
        { key: "http.request.method", value: s("POST") },
        { key: "url.full", value: s("http://x/auth/callback/email?token=abc&email=a%40b.c") },
        { key: "client.address", value: s("203.0.113.9") },
        { key: "user_agent.original", value: s("Agent") },
        { key: "http.request.header.cookie", value: s("authjs.session-token=secret") },
        { key: "authfx.provider", value: s("github") },
        { key: "http.response.status_code", value: { intValue: 500 } }
      ],
      droppedAttributesCount: 0,
      events: [
        { name: "authfx: a store is unavailable a@b.c", timeUnixNano: "1", attributes: [], droppedAttributesCount: 0 },
        {
          name: "exception",
          timeUnixNano: "1",
          droppedAttributesCount: 0,
          attributes: [
            { key: "exception.type", value: s("UsersUnavailable") },
            { key: "exception.message", value: s("duplicate key (email)=(a@b.c)") },
            { key: "exception.stacktrace", value: s("at a@b.c") }
          ]
        },
        {
          name: "exception",
          timeUnixNano: "1",
          droppedAttributesCount: 0,
          attributes: [{ key: "exception.type", value: s("not a name: a@b.c") }]
        }
      ],
      droppedEventsCount: 0,
      status: { code: 2 as const, message: "duplicate key (email)=(a@b.c)" },
      links: [{ traceId: "t", spanId: "p", attributes: [{ key: "who", value: s("a@b.c") }], droppedAttributesCount: 0 }],
      droppedLinksCount: 0
    }
    const out = privateTraces({ resourceSpans: [{ resource: { attributes: [], droppedAttributesCount: 0 }, scopeSpans: [{ scope: { name: "effect" }, spans: [span] }] }] })
    const kept = out.resourceSpans[0]!.scopeSpans[0]!.spans[0]!
    expect(kept.attributes.map((a) => a.key)).toEqual(["http.request.method", "authfx.provider", "http.response.status_code"])
    expect(kept.events.map((e) => e.attributes)).toEqual([
      [{ key: "exception.type", value: s("UsersUnavailable") }],
      [{ key: "exception.type", value: s("Error") }]
    ])
    expect(kept.status).toEqual({ code: 2, message: "UsersUnavailable" })
    expect(JSON.stringify(out)).not.toMatch(/a@b\.c|a%40b|203\.0\.113|secret|Agent/)
  })
})

describe("privateMetrics: only authfx's four attribute names", () => {
  it("keeps provider, outcome, result, reason", () => {
    const out = privateMetrics({
      resourceMetrics: [{
        resource: { attributes: [], droppedAttributesCount: 0 },
        scopeMetrics: [{
          scope: { name: "effect" },
          metrics: [{
            name: "authfx.sign_ins",
            sum: {
              aggregationTemporality: 2,
              isMonotonic: true,
              dataPoints: [{ asInt: 1, attributes: [{ key: "provider", value: s("github") }, { key: "email", value: s("a@b.c") }] }]
            }
          }]
        }]
      }]
    })
    expect(out.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.sum!.dataPoints[0]!.attributes).toEqual([
      { key: "provider", value: s("github") }
    ])
  })
})
