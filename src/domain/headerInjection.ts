import { type MailMessage, MailerError } from "../ports/Mailer.ts"

const lineBreaking = /[\u0000-\u0008\u000A-\u001F\u007F]/
const addressPart = "[^\\s\\u0000-\\u001F\\u007F@,;:<>()[\\]\\\\\"]+"
const bareAddress = new RegExp(`^${addressPart}@${addressPart}$`)

const refused = (message: string) => new MailerError({ message: `refused to send: ${message}` })

/**
 * Mail header injection (CWE-93): SMTP headers end at a line break, and a mail library takes a comma in an
 * address field for a list. Handed `"ada@example.com\r\nBcc: mallory@…"` or `"ada@example.com, mallory@…"`,
 * nodemailer delivered the magic link to mallory (tried against smtp-server); a line break in `from` replaced
 * the envelope sender. So every Mailer refuses such a message before it reaches a mail system:
 * - `from` and `subject` hold no control character but tab (CR and LF above all);
 * - `to` is one bare address: no white space or control character, exactly one `@`, and none of the
 *   characters that make an address a list, a display name or a quoted part (`,;:<>()[]\"`). Every address
 *   `normalizeEmail` keeps that a mail system could deliver unquoted passes.
 *
 * Returns the error to fail with, or null when the message is safe to send. The error names the field,
 * never its value: errors carry no personal data.
 */
export const headerInjection = (message: Pick<MailMessage, "to" | "from" | "subject">): MailerError | null => {
  if (!bareAddress.test(message.to)) return refused("the recipient is not one bare address")
  if (lineBreaking.test(message.from)) return refused("the sender holds a line break or control character")
  if (lineBreaking.test(message.subject)) return refused("the subject holds a line break or control character")
  return null
}
