/**
 * The Mailer conformance suite: every adapter (the memory outbox, nodemailer over a real SMTP server) runs it
 * unchanged, so each sentence of the contract on `Mailer` (src/ports/Mailer.ts) has a case here.
 *
 * The suite cannot see into the mail system by itself, so each run provides a `MailPeer` next to the `Mailer`:
 * the other side of the wire (the memory outbox, what an SMTP server received). Cases send to fresh random
 * addresses and read only what arrived for them, so they share one mailer and depend on no order.
 */
import { assert, layer } from "@effect/vitest"
import { Context, Effect, Layer, Redacted } from "effect"
import { type MailMessage, Mailer, type MailerError } from "../../src/ports/Mailer.ts"
import { failureOf } from "../support/failureOf.ts"

/** A message as its recipient reads it. */
export interface Delivered {
  /** Who the mail system was told to deliver it to (the SMTP envelope's RCPT TO). */
  readonly recipients: ReadonlyArray<string>
  readonly from: string
  readonly to: string
  readonly subject: string
  readonly text: string
  readonly html: string
}

/** What a case can ask the other side of the mailer. */
export class MailPeer extends Context.Service<MailPeer, {
  /** Every message the mail system accepted so far, oldest first. */
  readonly delivered: Effect.Effect<ReadonlyArray<Delivered>>
}>()("test/conformance/MailPeer") {}

/** A layer opts out of a case it cannot satisfy by saying why; the case is then reported as skipped with the reason. */
export interface OptOut {
  readonly optOut: string
}

export interface SuiteOptions {
  /** The same adapter wired to a mail system that is down (a stopped server), or why the layer has none. */
  readonly outage: Layer.Layer<Mailer, unknown> | OptOut
}

const uuid = () => crypto.randomUUID()
const address = () => `rcpt.${uuid()}@example.com`

/** Long enough that quoted-printable must wrap it, with the `=` and `&` that encoding rewrites. */
const linkFor = (to: string) =>
  `https://app.example.com/auth/callback/email?callbackUrl=${encodeURIComponent("https://app.example.com/a?b=c&d=e")}` +
  `&token=${uuid().replaceAll("-", "").repeat(3)}&email=${encodeURIComponent(to)}`

const messageTo = (to: string, fields: Partial<MailMessage> = {}): MailMessage => ({
  from: "Authfx Ådmin <no-reply@example.com>",
  to,
  subject: `Sign in to app.example.com — ${uuid()}`,
  text: Redacted.make(`Sign in to app.example.com\n\n${linkFor(to)}\n\nThe link works once. Grüße ✓\n`),
  html: Redacted.make(`<p>Sign in to app.example.com</p>\n<p><a href="${linkFor(to).replaceAll("&", "&amp;")}">Sign in</a></p>\n`),
  ...fields
})

const deliveredTo = (to: string) =>
  Effect.map(MailPeer.use((peer) => peer.delivered), (all) => all.filter((mail) => mail.recipients.includes(to)))

/** What no error may carry: the addresses, the subject, the bodies. */
const assertCarriesNothingOf = (error: MailerError, message: MailMessage) => {
  const visible = `${error.message} ${String(error)} ${JSON.stringify(error)} ${String(error.cause)}`
  for (const secret of [message.to, Redacted.value(message.text), Redacted.value(message.html), message.subject]) {
    for (const line of secret.split(/[\r\n,]+/)) if (line.length >= 6) assert.notInclude(visible, line)
  }
  assert.notInclude(visible, "example.com")
}

/** Registers the conformance cases for one adapter, sharing one mailer and its peer among them. */
export const suite = (name: string, mailerLayer: Layer.Layer<Mailer | MailPeer, unknown>, options: SuiteOptions): void =>
  layer(mailerLayer, { excludeTestServices: true })(`Mailer conformance: ${name}`, (it) => {
    // Each `send` that succeeds is one message that reaches `to`, and only `to`, from `from`, with its subject, text
    // and html as given.
    it.effect("a sent message reaches to, and only to, with from, subject, text and html as given", () =>
      Effect.gen(function*() {
        const to = address()
        const message = messageTo(to)
        yield* Mailer.use((mailer) => mailer.send(message))
        const mails = yield* deliveredTo(to)
        assert.lengthOf(mails, 1)
        const mail = mails[0]!
        assert.deepStrictEqual(mail.recipients, [to])
        assert.deepStrictEqual(
          [mail.from, mail.to, mail.subject, mail.text, mail.html],
          [message.from, to, message.subject, Redacted.value(message.text), Redacted.value(message.html)]
        )
      }))

    it.effect("two messages to one address arrive as two", () =>
      Effect.gen(function*() {
        const to = address()
        const [first, second] = [messageTo(to), messageTo(to)]
        yield* Mailer.use((mailer) => Effect.all([mailer.send(first), mailer.send(second)], { concurrency: 2 }))
        const subjects = (yield* deliveredTo(to)).map((mail) => mail.subject).sort()
        assert.deepStrictEqual(subjects, [first.subject, second.subject].sort())
      }))

    // No header injection: a line break in `from` or `subject`, or a `to` that is not one bare address, fails with
    // `MailerError` and sends nothing.
    const injected = "intruder." + uuid() + "@example.com"
    const refused: ReadonlyArray<readonly [string, (to: string) => Partial<MailMessage>]> = [
      ["a line break and a header in subject", () => ({ subject: `Hello\r\nBcc: ${injected}` })],
      ["a bare line feed and a header in subject", () => ({ subject: `Hello\nX-Injected: yes` })],
      ["a line break and a header in to", (to) => ({ to: `${to}\r\nBcc: ${injected}` })],
      ["a second address in to", (to) => ({ to: `${to}, ${injected}` })],
      ["a display name in to", (to) => ({ to: `Ada <${to}>` })],
      ["a line break and a header in from", () => ({ from: `Authfx <no-reply@example.com>\r\nBcc: ${injected}` })]
    ]
    for (const [title, fields] of refused) {
      it.effect(`${title}: MailerError, and nothing is sent`, () =>
        Effect.gen(function*() {
          const to = address()
          const message = messageTo(to, fields(to))
          const error = yield* failureOf(Mailer.use((mailer) => mailer.send(message)))
          assert.strictEqual(error._tag, "MailerError")
          assertCarriesNothingOf(error, message)
          assert.deepStrictEqual([yield* deliveredTo(to), yield* deliveredTo(injected)], [[], []])
        }))
    }

    // A mail system that cannot take the message (a server down) makes `send` fail with `MailerError`, never a
    // defect, and the error carries no address and nothing of the message.
    const outageTitle = "a mail system that is down: MailerError, never a defect, carrying nothing of the message"
    const outage = options.outage
    if ("optOut" in outage) {
      it.skip(`${outageTitle} — opted out: ${outage.optOut}`, () => {})
    } else {
      it.effect(outageTitle, () =>
        Effect.gen(function*() {
          const mailer = Context.get(yield* Layer.build(outage), Mailer)
          const message = messageTo(address())
          const error = yield* failureOf(mailer.send(message))
          assert.strictEqual(error._tag, "MailerError")
          assertCarriesNothingOf(error, message)
        }))
    }
  })
