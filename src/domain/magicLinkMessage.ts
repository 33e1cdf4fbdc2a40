import { Redacted } from "effect"
import type { MailMessage } from "../ports/Mailer.ts"

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" })[c]!)

/**
 * The magic-link mail: plain text and HTML saying the same thing. The host is shown so a reader can
 * tell a phishing copy from the real site; the link itself is the only secret.
 */
export const magicLinkMessage = (input: {
  readonly to: string
  readonly from: string
  readonly url: string
  readonly host: string
  readonly validForHours: number
  readonly brandColor?: string
}): MailMessage => {
  const color = /^#[0-9a-fA-F]{3,8}$/.test(input.brandColor ?? "") ? input.brandColor! : "#346df1"
  const hours = input.validForHours === 1 ? "1 hour" : `${input.validForHours} hours`
  const text = [
    `Sign in to ${input.host}`,
    "",
    input.url,
    "",
    `The link works once and for ${hours}.`,
    "If you did not ask for it, you can ignore this mail."
  ].join("\n")
  const html = `<!doctype html>
<html lang="en"><body style="font-family:system-ui,sans-serif;background:#f6f6f6;margin:0;padding:24px">
<table role="presentation" width="100%" style="max-width:480px;margin:auto;background:#fff;border-radius:8px;padding:24px">
<tr><td><h1 style="font-size:20px;margin:0 0 16px">Sign in to ${escapeHtml(input.host)}</h1>
<p><a href="${escapeHtml(input.url)}" style="display:inline-block;background:${color};color:#fff;padding:12px 20px;border-radius:6px;text-decoration:none;font-weight:600">Sign in</a></p>
<p style="color:#555;font-size:14px">The link works once and for ${hours}. If you did not ask for it, you can ignore this mail.</p>
</td></tr></table></body></html>`
  return {
    to: input.to,
    from: input.from,
    subject: `Sign in to ${input.host}`,
    text: Redacted.make(text),
    html: Redacted.make(html)
  }
}
