import { Context, Effect, Layer, Redacted } from "effect"
import * as NodemailerMailer from "../../src/adapters/mail/NodemailerMailer.ts"
import { Mailer } from "../../src/ports/Mailer.ts"
import { MailPeer, suite } from "../conformance/Mailer.ts"
import { smtpPeer, startSmtpPeer } from "../support/smtpPeer.ts"

/** NodemailerMailer sending to a real SMTP server on 127.0.0.1; the server's inbox is the suite's peer. */
const overSmtp = Layer.effectContext(Effect.gen(function*() {
  const peer = yield* smtpPeer
  const mailer = yield* NodemailerMailer.make({ url: Redacted.make(peer.url), timeoutMillis: 5_000 })
  const delivered = Effect.sync(() =>
    peer.messages().map((mail) => ({
      recipients: mail.envelope.to,
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text ?? "",
      html: mail.html ?? ""
    }))
  )
  return Context.make(Mailer, mailer).pipe(Context.add(MailPeer, MailPeer.of({ delivered })))
}))

/** The same adapter pointed at an SMTP server that was started and stopped: nothing listens on its port. */
const stoppedServer = Layer.effect(Mailer, Effect.gen(function*() {
  const peer = yield* Effect.promise(() => startSmtpPeer())
  yield* Effect.promise(() => peer.close())
  return yield* NodemailerMailer.make({ url: Redacted.make(peer.url), timeoutMillis: 2_000 })
}))

suite("nodemailer over smtp-server", overSmtp, { outage: stoppedServer })
