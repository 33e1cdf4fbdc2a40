import { Cause, Effect, Exit, Option, Tracer } from "effect"
import { describe, expect, it } from "vitest"
import { flowSpan, outcomeOf } from "../../src/domain/telemetry.ts"

describe("outcomeOf: a word, never an error's content", () => {
  it.each([
    ["success", Exit.succeed(1), "success"],
    ["a tagged error", Exit.fail({ _tag: "CredentialsSignin", code: "a@b.c" }), "CredentialsSignin"],
    ["a tag that is not a name", Exit.fail({ _tag: "a@b.c" }), "failure"],
    ["an untagged error", Exit.fail(new Error("a@b.c")), "failure"],
    ["a defect", Exit.die(new Error("a@b.c")), "defect"],
    ["an interruption", Exit.failCause(Cause.interrupt()), "interrupted"]
  ])("%s", (_name, exit, expected) => {
    expect(outcomeOf(exit)).toBe(expected)
  })
})

describe("flowSpan: a span only when a tracer other than the native one would see it", () => {
  const spanName = Effect.currentSpan.pipe(Effect.map((span) => span.name), Effect.option)

  it("makes no span under the native tracer (observability off)", () => {
    expect(Effect.runSync(spanName.pipe(flowSpan("authfx.signIn", {})))).toEqual(Option.none())
  })

  it("makes the span, with its attributes and outcome, under another tracer", () => {
    const ended: Array<Tracer.Span> = []
    const recording = Tracer.make({
      span: (options) => {
        const span = new Tracer.NativeSpan(options)
        const end = span.end.bind(span)
        span.end = (time, exit) => {
          end(time, exit)
          ended.push(span)
        }
        return span
      }
    })
    const named = Effect.runSync(
      spanName.pipe(flowSpan("authfx.signIn", { "authfx.provider": "github" }), Effect.withTracer(recording))
    )
    expect(named).toEqual(Option.some("authfx.signIn"))
    expect(Object.fromEntries(ended[0]!.attributes)).toEqual({ "authfx.provider": "github", "authfx.outcome": "success" })
  })
})
