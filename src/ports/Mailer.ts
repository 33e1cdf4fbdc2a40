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

/** Sends one message. Delivery is the mail system's business; success means it was accepted. */
export class Mailer extends Context.Service<Mailer, {
  readonly send: (message: MailMessage) => Effect.Effect<void, MailerError>
}>()("authfx/Mailer") {}
