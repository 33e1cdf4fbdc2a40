import { Option } from "effect"
import type { Email } from "./User.ts"

/** A–Z to a–z and nothing else: ASCII case is the one case every mail system agrees to ignore. */
export const lowerCaseAscii = (text: string): string =>
  text.replace(/[A-Z]/g, (letter) => String.fromCharCode(letter.charCodeAt(0) + 32))

/**
 * The only code points that NFC turns into ASCII (GREEK QUESTION MARK → `;`, GREEK VARIA → `` ` ``,
 * KELVIN SIGN → `K`); test/domain/normalizeEmail.test.ts checks the list against every code point.
 */
const becomesAscii = /[\u037E\u1FEF\u212A]/

/**
 * The address that keys a user: what the stores index and every lookup compares. It must never make two
 * mailboxes one, because a provider that verifies the first then signs into the user of the second.
 *
 * - NFC (canonical equivalence only: é typed precomposed or as e + ◌́ is one address). Never NFKC, the
 *   compatibility folding this function once applied: it made `ⓐlice`, `ａlice` (fullwidth) and `ﬁona`
 *   into `alice` and `fiona`, though those mailboxes belong to whoever registered them.
 * - Lower-casing of A–Z only, in the local part and the domain; every other character is kept exactly.
 *   Every mainstream provider ignores ASCII case in the local part and Auth.js lower-cases, so a user who
 *   types `Ada@Example.com` keeps landing in the user of `ada@example.com`. Case beyond ASCII (É/é, ẞ/ß,
 *   Turkish İ/i/ı, Σ/σ/ς) is where mail systems differ, so it is never merged.
 * - An address holding KELVIN SIGN (or one of the two other code points NFC maps onto ASCII) is refused:
 *   Unicode makes it canonically `K`, so NFC and then ASCII lower-casing would turn `\u212Aate@…` into
 *   `kate@…`. With it refused, an ASCII address is reached only from an ASCII spelling.
 * - NFC again after lower-casing: a lower-case letter may compose where the capital could not (J + ◌̌
 *   stays two characters, j + ◌̌ is ǰ), and normalising a normalised address must change nothing.
 * - Kept from Auth.js: trimmed, exactly one `@`, no `"`, at most 320 characters, and the domain cut at a
 *   `,` so that `a@b.com,evil.com` cannot smuggle a second recipient into the mail.
 */
export const normalizeEmail = (input: string): Option.Option<Email> => {
  if (input.length > 320) return Option.none()
  const trimmed = input.trim()
  if (becomesAscii.test(trimmed)) return Option.none()
  const normalized = lowerCaseAscii(trimmed.normalize("NFC")).normalize("NFC")
  if (normalized.includes("\"")) return Option.none()
  const parts = normalized.split("@")
  if (parts.length !== 2) return Option.none()
  const [local, rawDomain] = parts as [string, string]
  const domain = rawDomain.split(",")[0]!
  if (local.length === 0 || domain.length === 0 || /\s/.test(local) || /\s/.test(domain)) return Option.none()
  if (!domain.includes(".") || domain.startsWith(".") || domain.endsWith(".")) return Option.none()
  return Option.some(`${local}@${domain}` as Email)
}
