/**
 * The memory mailer's outbox is bounded: under a flood it keeps the newest `outboxSize` messages (100 by
 * default) and forgets older ones, so the default mailer of a deployment without SMTP never grows without limit.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Option, Redacted } from "effect"
import * as MemoryMailer from "../../src/adapters/memory/MemoryMailer.ts"
import type { MailMessage } from "../../src/ports/Mailer.ts"

const message = (i: number, to = `rcpt-${i}@example.com`): MailMessage => ({
  from: "auth@example.com",
  to,
  subject: `message ${i}`,
  text: Redacted.make(`text ${i}`),
  html: Redacted.make(`<p>${i}</p>`)
})

const flood = (count: number, options?: MemoryMailer.Options) =>
  Effect.gen(function*() {
    const { mailer, outbox } = yield* MemoryMailer.make(options)
    yield* Effect.forEach(Array.from({ length: count }, (_, i) => i), (i) => mailer.send(message(i)), { discard: true })
    return outbox
  })

describe("MemoryMailer outbox", () => {
  it.effect("10,000 messages with the default size: the outbox holds the newest 100, in order", () =>
    Effect.gen(function*() {
      const outbox = yield* flood(10_000)
      const kept = yield* outbox.all
      assert.strictEqual(kept.length, MemoryMailer.defaultOutboxSize)
      assert.deepStrictEqual(kept.map((mail) => mail.subject), Array.from({ length: 100 }, (_, i) => `message ${9_900 + i}`))
      assert.strictEqual(yield* outbox.accepted, 10_000)
    }))

  it.effect("outboxSize: 3 keeps three; latestTo finds the newest kept, and nothing forgotten", () =>
    Effect.gen(function*() {
      const { mailer, outbox } = yield* MemoryMailer.make({ outboxSize: 3 })
      for (const i of [1, 2, 3, 4, 5]) yield* mailer.send(message(i, i % 2 === 0 ? "even@example.com" : "odd@example.com"))
      assert.deepStrictEqual((yield* outbox.all).map((mail) => mail.subject), ["message 3", "message 4", "message 5"])
      assert.strictEqual(Option.getOrThrow(yield* outbox.latestTo("even@example.com")).subject, "message 4")
      yield* mailer.send(message(6, "odd@example.com"))
      yield* mailer.send(message(7, "odd@example.com"))
      assert.isTrue(Option.isNone(yield* outbox.latestTo("even@example.com")))
    }))

  it.effect("onSend still sees every message", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      yield* flood(250, { outboxSize: 10, onSend: (mail) => seen.push(mail.subject) })
      assert.strictEqual(seen.length, 250)
    }))

  it.effect("an outboxSize that is not a whole number of at least 1 is refused when the mailer is made", () =>
    Effect.gen(function*() {
      for (const outboxSize of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        assert.isTrue(Exit.hasDies(yield* Effect.exit(MemoryMailer.make({ outboxSize }))), String(outboxSize))
      }
    }))
})
