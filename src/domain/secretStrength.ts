/**
 * Whether a deployment secret (AUTH_SECRET) may key what authfx signs and encrypts. Every key a secret
 * derives, and every key sealed under it at rest, is only as strong as the secret: anyone holding one
 * session cookie can test guesses at the secret offline, by trying to open the cookie. So a secret that a
 * person typed is refused everywhere one is configured, and the refusal says how to make a good one.
 *
 * The rules, in order:
 * - `short`: fewer than 32 characters (code points).
 * - `placeholder`: it contains a placeholder from documentation or templates ("changeme", "your secret
 *   here", …), whatever surrounds it.
 * - `lowEntropy`: the estimate below is under 96 bits, or under 128 bits while more than a third of the
 *   characters follow a pattern.
 *
 * The estimate is what an attacker must search who knows the secret's shape — which character classes it
 * uses and where it repeats itself — but not its characters:
 * - each character costs log2 of the alphabet the secret draws from: 10 if it has digits, 26 for each
 *   letter case it has, one per distinct punctuation character (a separator or two adds little: `-` is
 *   not 33 choices) and 100 if it has anything beyond ASCII;
 * - except a character that follows a pattern, which costs nothing: it continues a run with a constant
 *   step of -1, 0 or +1 over the two before it (`aaaa`, `abcd`, `4321`), or it ends a three-character
 *   stretch that occurred earlier (`hunter2hunter2`, `secret-…-secret`).
 *
 * Why 96 and 128 rather than one bar at 128: a generated secret of the minimum length carries exactly what
 * it was made from — `openssl rand -hex 16` is 32 characters and 128 bits, 32 random digits are 106 — and
 * random text matches a pattern by chance now and then (about one hex character in sixty), so a 128-bit bar
 * would refuse some of what `openssl` prints. A random secret's chance matches are few and scattered; a
 * person's are many: a repeated word, a counted-up tail. So a secret scoring between 96 and 128 bits passes
 * only while at most a third of it is pattern. For random hex of 16 bytes, refusal would take 11 chance
 * matches in 32 characters (or, all digits, four), which does not happen; typed secrets land far below
 * (a repeated word around 50 bits, a counted sequence around 20, a repeated phrase with a counted tail
 * over half pattern). test/domain/secretStrength.test.ts holds both sides: a table of what is refused, and
 * a property that random bytes in hex, base64 and base64url are never refused.
 *
 * What it cannot see: words. A long phrase of common words scores as random letters would. The rule is a
 * floor against the obvious, not a proof of randomness; the advice in every refusal is to generate one.
 *
 * Pure: no I/O, no node: modules, so every entry point (and the demo's environment reader) asks the same.
 */
import { Schema } from "effect"

export type Weakness = "short" | "placeholder" | "lowEntropy"
export type SecretStrength = "strong" | Weakness

export const minimumSecretLength = 32
const floorBits = 96
const barBits = 128
const maxPatternShare = 1 / 3

// Compared without case or separators, so "Your-Secret-Here" and "CHANGE_ME" are found too. Each is long
// enough that random output cannot contain it by chance (the shortest, 7 letters, has odds of about 1 in
// 10^9 in a 44-character base64 secret).
const placeholders = [
  "changeme",
  "changethis",
  "replaceme",
  "replacethis",
  "yoursecret",
  "secrethere",
  "placeholder",
  "insertsecret",
  "example"
]

const isDigit = (c: number) => c >= 0x30 && c <= 0x39
const isLower = (c: number) => c >= 0x61 && c <= 0x7a
const isUpper = (c: number) => c >= 0x41 && c <= 0x5a
const isAscii = (c: number) => c >= 0x20 && c <= 0x7e

/** log2 of the alphabet the secret draws from, as the comment above defines it. */
const bitsPerCharacter = (codes: ReadonlyArray<number>): number => {
  const punctuation = new Set(codes.filter((c) => isAscii(c) && !isDigit(c) && !isLower(c) && !isUpper(c)))
  const size = (codes.some(isDigit) ? 10 : 0) + (codes.some(isLower) ? 26 : 0) + (codes.some(isUpper) ? 26 : 0) +
    punctuation.size + (codes.some((c) => !isAscii(c)) ? 100 : 0)
  return Math.log2(Math.max(size, 1))
}

/** How many characters follow a pattern: continue a run of step -1, 0 or +1, or end a repeated 3-character stretch. */
const patternCount = (characters: ReadonlyArray<string>, codes: ReadonlyArray<number>): number => {
  const seen = new Set<string>()
  let count = 0
  for (let i = 2; i < codes.length; i++) {
    const step = codes[i]! - codes[i - 1]!
    const run = Math.abs(step) <= 1 && step === codes[i - 1]! - codes[i - 2]!
    const stretch = characters[i - 2]! + characters[i - 1]! + characters[i]!
    if (run || seen.has(stretch)) count++
    seen.add(stretch)
  }
  return count
}

/** "strong", or why `secret` is not. Never throws, whatever the input. */
export const secretStrength = (secret: string): SecretStrength => {
  const characters = Array.from(secret)
  if (characters.length < minimumSecretLength) return "short"
  const folded = secret.toLowerCase().replace(/[^a-z0-9]/g, "")
  if (placeholders.some((placeholder) => folded.includes(placeholder))) return "placeholder"
  const codes = characters.map((c) => c.codePointAt(0)!)
  const patterned = patternCount(characters, codes)
  const bits = (characters.length - patterned) * bitsPerCharacter(codes)
  if (bits >= barBits) return "strong"
  return bits >= floorBits && patterned <= characters.length * maxPatternShare ? "strong" : "lowEntropy"
}

/** The advice every refusal carries. */
export const howToMakeASecret = "use at least 32 random characters, e.g. the output of `openssl rand -base64 33` " +
  "or `npx authfx secret`"

const weaknesses: Record<Weakness, string> = {
  short: `is shorter than ${minimumSecretLength} characters`,
  placeholder: "is a placeholder from an example, not a secret",
  lowEntropy: "is too predictable (repeats, runs or sequences)"
}

/**
 * A configured secret is too weak to key anything. `message` names the secret by its place (`secrets[1]`,
 * `AUTH_SECRET`) and says how to make one; it never holds the secret or any part of it.
 */
export class WeakSecret extends Schema.TaggedError<WeakSecret>()("WeakSecret", {
  message: Schema.String,
  reason: Schema.Literals(["short", "placeholder", "lowEntropy"])
}) {}

export const weakSecret = (name: string, reason: Weakness): WeakSecret =>
  new WeakSecret({ message: `${name} ${weaknesses[reason]}: ${howToMakeASecret}.`, reason })
