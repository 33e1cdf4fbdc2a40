/** An Auth.js e-mail provider (@auth/core's `EmailConfig`) that sends nothing and records each magic link. */
import type { EmailConfig } from "@auth/core/providers"

export const recordingEmail = (links: Array<string>): EmailConfig => ({
  id: "email",
  type: "email",
  name: "Email",
  from: "auth@example.com",
  maxAge: 600,
  options: {},
  sendVerificationRequest: ({ url }) => {
    links.push(url)
    return Promise.resolve()
  }
})
