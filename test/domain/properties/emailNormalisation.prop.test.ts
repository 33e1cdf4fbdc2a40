import { Option } from "effect"
import * as fc from "fast-check"
import { expect, it } from "vitest"
import { normalizeEmail } from "../../../src/domain/normalizeEmail.ts"

// An address is generated as a sequence of abstract characters ("units"), each with every spelling that
// names the same mailbox: an ASCII letter in either case, a precomposed letter or its canonical
// decomposition (NFC), a canonical singleton (ANGSTROM SIGN, OHM SIGN) for its target. Different units are
// different mailboxes to a mail system that does not fold: É and é, ı and i, ⓐ and a, ﬁ and f + i, ...
// Invariant: two spellings of one address normalise to one value; two different addresses never
// normalise to one value (one of them may be refused). Also: idempotent; an ASCII result comes only from
// an ASCII input.

interface Unit {
  readonly id: string
  readonly spellings: ReadonlyArray<string>
}

const unit = (id: string, ...others: ReadonlyArray<string>): Unit => ({ id, spellings: [id, ...others] })
const ascii = (letter: string): Unit => unit(letter, letter.toUpperCase())

const asciiLetters = "abcdefghijklmnopqrstuvwxyz".split("").map(ascii)
const punctuation = [".", "-", "_", "+", "0", "7"].map((c) => unit(c))

/** Units with the units they may be mistaken for (a family); every member is a unit of its own. */
const families: ReadonlyArray<ReadonlyArray<Unit>> = [
  [ascii("a"), unit("\u24D0"), unit("\uFF41"), unit("\uFF21"), unit("\u1D43"), unit("\u{1D41A}"), unit("\u00E5", "a\u030A"),
    unit("\u00C5", "A\u030A", "\u212B")],
  [ascii("k"), unit("\u212A")], // KELVIN SIGN: canonically K, so it is refused rather than folded
  [ascii("i"), unit("\u0131"), unit("\u0130", "I\u0307"), unit("\u00EF", "i\u0308"), unit("\u00CF", "I\u0308")],
  [ascii("s"), unit("\u017F"), unit("\u1E69", "s\u0323\u0307", "s\u0307\u0323", "\u1E61\u0323", "\u1E63\u0307")],
  [unit("\u00DF"), unit("\u1E9E")],
  [unit("\u03C3"), unit("\u03C2"), unit("\u03A3")],
  [unit("\u03C9"), unit("\u03A9", "\u2126")],
  [ascii("e"), unit("\u00E9", "e\u0301"), unit("\u00C9", "E\u0301"), unit("\uFF45")],
  // Lower-casing the J of J + caron makes it composable: ǰ has no capital, so all three are one.
  [ascii("j"), unit("\u01F0", "j\u030C", "J\u030C")],
  [ascii("u"), unit("\u00FC", "u\u0308"), unit("\u00DC", "U\u0308")],
  [unit("\uFB01"), ascii("f")],
  [unit("2"), unit("\u00B2"), unit("\u2461")]
]

const allUnits: ReadonlyArray<Unit> = [...asciiLetters, ...punctuation, ...families.flat()]
const familyOf = new Map(families.flatMap((family) => family.map((u) => [u.id, family] as const)))

const localUnit = fc.constantFrom(...allUnits)
const domainUnit = fc.constantFrom(...asciiLetters, ...families.flat().filter((u) => u.id !== "\u212A"))

interface Address {
  readonly local: ReadonlyArray<Unit>
  readonly domain: ReadonlyArray<Unit>
}

const address: fc.Arbitrary<Address> = fc.record({
  local: fc.array(localUnit, { minLength: 1, maxLength: 12 }),
  domain: fc.array(domainUnit, { minLength: 1, maxLength: 10 })
})

const idOf = (a: Address) => `${a.local.map((u) => u.id).join("")}@${a.domain.map((u) => u.id).join("")}.example`
const sameAddress = (a: Address, b: Address) =>
  a.local.length === b.local.length && a.domain.length === b.domain.length &&
  a.local.every((u, i) => u.id === b.local[i]!.id) && a.domain.every((u, i) => u.id === b.domain[i]!.id)

const whiteSpace = fc.constantFrom("", " ", "\t", "\n", "\u00A0", "  ")

/** One spelling: each unit spelled one of its ways, the TLD in any ASCII case, white space around it. */
const spelling = (a: Address): fc.Arbitrary<string> => {
  const spell = (units: ReadonlyArray<Unit>) =>
    fc.tuple(...units.map((u) => fc.constantFrom(...u.spellings))).map((parts) => parts.join(""))
  return fc.tuple(whiteSpace, spell(a.local), spell(a.domain), fc.constantFrom(".example", ".EXAMPLE", ".Example"), whiteSpace)
    .map(([before, local, domain, tld, after]) => `${before}${local}@${domain}${tld}${after}`)
}

/** The same address with one unit replaced by one it may be mistaken for (or by another unit at all). */
const nearMiss = (a: Address): fc.Arbitrary<Address> => {
  const positions = a.local.length + a.domain.length
  return fc.tuple(fc.nat({ max: positions - 1 }), fc.nat(), localUnit).map(([at, pick, fallback]) => {
    const inLocal = at < a.local.length
    const units = inLocal ? a.local : a.domain
    const index = inLocal ? at : at - a.local.length
    const family = familyOf.get(units[index]!.id)?.filter((u) => u.id !== units[index]!.id)
    const replacement = family === undefined || family.length === 0 ? fallback : family[pick % family.length]!
    const changed = units.map((u, i) => (i === index ? replacement : u))
    return inLocal ? { local: changed, domain: a.domain } : { local: a.local, domain: changed }
  })
}

const holdsKelvin = (a: Address) => a.local.some((u) => u.id === "\u212A")
const normal = (input: string) => Option.getOrNull(normalizeEmail(input))

it("two spellings of one address normalise to one value (none lost); it is refused only for KELVIN SIGN", () => {
  fc.assert(
    fc.property(
      address.chain((a) => fc.tuple(fc.constant(a), spelling(a), spelling(a))),
      ([a, first, second]) => {
        expect(normal(first)).toBe(normal(second))
        expect(normal(first) === null).toBe(holdsKelvin(a))
      }
    ),
    { numRuns: 400 }
  )
})

it("two different addresses never normalise to one value", () => {
  const pair = address.chain((a) =>
    fc.tuple(fc.constant(a), fc.oneof(nearMiss(a), address)).chain(([x, y]) =>
      fc.tuple(fc.constant(x), fc.constant(y), spelling(x), spelling(y)))
  )
  fc.assert(
    fc.property(pair, ([a, b, first, second]) => {
      fc.pre(!sameAddress(a, b))
      const [x, y] = [normal(first), normal(second)]
      if (x !== null && y !== null) expect(x, `${idOf(a)} and ${idOf(b)}`).not.toBe(y)
    }),
    { numRuns: 600 }
  )
})

it("normalising twice changes nothing more, and an ASCII result comes only from an ASCII address", () => {
  fc.assert(
    fc.property(address.chain(spelling), (input) => {
      const once = normal(input)
      if (once === null) return
      expect(normal(once)).toBe(once)
      if (/^[\u0000-\u007f]*$/.test(once)) expect(input.trim()).toMatch(/^[\u0000-\u007f]*$/)
    }),
    { numRuns: 400 }
  )
})
