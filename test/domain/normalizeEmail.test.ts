import { Option } from "effect"
import { describe, expect, it } from "vitest"
import { normalizeEmail } from "../../src/domain/normalizeEmail.ts"

const normalized = (input: string): string | null => Option.getOrNull(normalizeEmail(input))

describe("normalizeEmail: what is kept from Auth.js", () => {
  it.each([
    ["trimmed, ASCII lower-cased", "  Ada@Example.COM \n", "ada@example.com"],
    ["the domain cut at a comma (no second recipient)", "ada@example.com,evil.example", "ada@example.com"],
    ["plus addressing kept", "ada+auth@example.com", "ada+auth@example.com"],
    ["non-breaking spaces around it trimmed", "\u00a0ada@example.com\u00a0", "ada@example.com"]
  ])("%s", (_name, input, expected) => {
    expect(normalized(input)).toBe(expected)
  })

  it.each([
    ["no @", "ada.example.com"],
    ["two @", "ada@b@example.com"],
    ["a quote", "\"ada\"@example.com"],
    ["white space inside", "a da@example.com"],
    ["an empty local part", "@example.com"],
    ["a domain without a dot", "ada@localhost"],
    ["a domain starting with a dot", "ada@.example.com"],
    ["a domain ending with a dot", "ada@example.com."],
    ["longer than 320 characters", `${"a".repeat(64)}@${"b".repeat(252)}.com`]
  ])("refused: %s", (_name, input) => {
    expect(normalized(input)).toBeNull()
  })
})

// Each pair is two mailboxes that mail systems may deliver to different people. Auth.js's and our old
// NFKC + Unicode lower-casing made them one address, so a provider vouching for the first signed into
// the owner of the second.
describe("normalizeEmail never merges addresses that differ beyond ASCII case", () => {
  it.each([
    ["KELVIN SIGN vs k", "\u212Aate@example.com", "kate@example.com"],
    ["circled a vs a", "\u24D0lice@example.com", "alice@example.com"],
    ["fullwidth a vs a", "\uFF41lice@example.com", "alice@example.com"],
    ["fi ligature vs f, i", "\uFB01ona@example.com", "fiona@example.com"],
    ["long s vs s", "\u017Fam@example.com", "sam@example.com"],
    ["mathematical bold a vs a", "\u{1D41A}da@example.com", "ada@example.com"],
    ["superscript two vs 2", "ada\u00B2@example.com", "ada2@example.com"],
    ["capital and small e acute", "\u00C9lodie@example.com", "\u00E9lodie@example.com"],
    ["capital sharp s and sharp s", "\u1E9Ee@example.com", "\u00DFe@example.com"],
    ["Turkish dotted capital I and i", "\u0130rem@example.com", "irem@example.com"],
    ["Turkish dotless i and i", "\u0131rem@example.com", "irem@example.com"],
    ["Greek capital and small sigma", "\u03A3ofia@example.com", "\u03C3ofia@example.com"],
    ["Greek final and small sigma", "\u03C2@example.com", "\u03C3@example.com"],
    ["capital and small u umlaut in the domain", "ada@b\u00DCcher.example", "ada@b\u00FCcher.example"],
    ["fullwidth letters in the domain", "ada@\uFF45xample.com", "ada@example.com"]
  ])("%s", (_name, first, second) => {
    const [a, b] = [normalized(first), normalized(second)]
    expect(b).not.toBeNull()
    expect(a).not.toBe(b)
  })

  it("non-ASCII characters are kept exactly; only A-Z are lower-cased", () => {
    expect(normalized("\u00C9LODIE@B\u00DCCHER.Example")).toBe("\u00C9lodie@b\u00DCcher.example")
    expect(normalized("\u24D0lice@example.com")).toBe("\u24D0lice@example.com")
    expect(normalized("\u0130REM@example.com")).toBe("\u0130rem@example.com")
  })

  it("canonically equivalent spellings are one address: NFC", () => {
    expect(normalized("e\u0301mile@example.com")).toBe("\u00E9mile@example.com")
    expect(normalized("\u00E9mile@example.com")).toBe("\u00E9mile@example.com")
    // A + ring above, ANGSTROM SIGN and Å are one character to Unicode; so is OHM SIGN with Ω.
    expect(normalized("A\u030Angstr\u00F6m@example.com")).toBe("\u00C5ngstr\u00F6m@example.com")
    expect(normalized("\u212Bngstr\u00F6m@example.com")).toBe("\u00C5ngstr\u00F6m@example.com")
    expect(normalized("\u2126mega@example.com")).toBe("\u03A9mega@example.com")
  })

  it("lower-casing an ASCII letter before a combining mark composes again (J + caron is ǰ)", () => {
    expect(normalized("J\u030Cos\u00E9@example.com")).toBe("\u01F0os\u00E9@example.com")
    expect(normalized("j\u030Cos\u00E9@example.com")).toBe("\u01F0os\u00E9@example.com")
  })

  // NFC maps exactly three code points onto ASCII; KELVIN SIGN would then be lower-cased into k.
  it("an address holding a character that NFC turns into ASCII is refused", () => {
    expect(normalized("\u212Aate@example.com")).toBeNull()
    expect(normalized("ada\u037E@example.com")).toBeNull()
    expect(normalized("ada\u1FEF@example.com")).toBeNull()
  })

  it("those three are every code point that NFC turns into ASCII", () => {
    const toAscii: Array<string> = []
    for (let code = 0x80; code <= 0x10ffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue
      const char = String.fromCodePoint(code)
      if (/^[\u0000-\u007f]+$/.test(char.normalize("NFC"))) toAscii.push(code.toString(16))
    }
    expect(toAscii).toEqual(["37e", "1fef", "212a"])
  })
})
