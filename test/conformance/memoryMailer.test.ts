import { Effect, Layer, Redacted } from "effect"
import * as MemoryMailer from "../../src/adapters/memory/MemoryMailer.ts"
import { MailPeer, suite } from "./Mailer.ts"

/** The outbox is the other side of the memory mailer: what it holds is what was delivered, to `to` alone. */
const outboxPeer = Layer.effect(
  MailPeer,
  Effect.map(MemoryMailer.Outbox, (outbox) =>
    MailPeer.of({
      delivered: Effect.map(outbox.all, (messages) =>
        messages.map((message) => ({
          recipients: [message.to],
          from: message.from,
          to: message.to,
          subject: message.subject,
          text: Redacted.value(message.text),
          html: Redacted.value(message.html)
        })))
    }))
)

const outage = { optOut: "the outbox is a list in this process; there is no mail system that could be down" }

suite("memory outbox", outboxPeer.pipe(Layer.provideMerge(MemoryMailer.layer())), { outage })

// The smallest outbox every case can still read its own messages from (a case sends at most two, then reads):
// the bound changes what is kept, never what was sent.
suite("memory outbox of 2", outboxPeer.pipe(Layer.provideMerge(MemoryMailer.layer({ outboxSize: 2 }))), { outage })
