import { Option } from "effect"
import type { Email } from "./User.ts"

/**
 * Auth.js's normalisation (so an address keys the same user in both): NFKC, trimmed, lower-cased,
 * exactly one `@`, no `"`, and the domain cut at a `,` so that `a@b.com,evil.com` cannot smuggle a
 * second recipient into the mail.
 */
export const normalizeEmail = (input: string): Option.Option<Email> => {
  if (input.length > 320) return Option.none()
  const trimmed = input.normalize("NFKC").trim().toLowerCase()
  if (trimmed.includes("\"")) return Option.none()
  const parts = trimmed.split("@")
  if (parts.length !== 2) return Option.none()
  const [local, rawDomain] = parts as [string, string]
  const domain = rawDomain.split(",")[0]!
  if (local.length === 0 || domain.length === 0 || /\s/.test(local) || /\s/.test(domain)) return Option.none()
  if (!domain.includes(".") || domain.startsWith(".") || domain.endsWith(".")) return Option.none()
  return Option.some(`${local}@${domain}` as Email)
}
