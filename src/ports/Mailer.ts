import { Context, type Effect, type Redacted, Schema } from "effect"

export interface MailMessage {
  readonly from: string
  readonly to: string
  readonly subject: string
  /** Magic-link mails carry a sign-in secret in their body. */
  readonly text: Redacted.Redacted<string>
  readonly html: Redacted.Redacted<string>
}

/** The message could not be handed to the mail system. No recipient in it: errors carry no personal data. */
export class MailerError extends Schema.TaggedError<MailerError>()("MailerError", {
  message: Schema.String,
  cause: Schema.optionalKey(Schema.Defect())
}) {}

/**
 * Sends one message. Delivery is the mail system's business; success means it was accepted.
 *
 * Contract (each sentence has a conformance test in test/conformance/Mailer.ts):
 * - Each `send` that succeeds is one message that reaches `to`, and only `to`, from `from`, with its subject,
 *   text and html as given.
 * - No header injection: a line break in `from` or `subject`, or a `to` that is not one bare address (a list,
 *   a display name, a line break), fails with `MailerError` and sends nothing (the rule: domain/headerInjection.ts).
 * - A mail system that cannot take the message (a server down) makes `send` fail with `MailerError`, never a
 *   defect, and the error carries no address and nothing of the message.
 */
export class Mailer extends Context.Service<Mailer, {
  readonly send: (message: MailMessage) => Effect.Effect<void, MailerError>
}>()("authfx/Mailer") {}
