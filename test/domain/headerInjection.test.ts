import { Option } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { headerInjection } from "../../src/domain/headerInjection.ts"
import { normalizeEmail } from "../../src/domain/normalizeEmail.ts"

const safe = { to: "ada@example.com", from: "Authfx <no-reply@example.com>", subject: "Sign in to example.com" }
const refusal = (fields: Partial<typeof safe>) => headerInjection({ ...safe, ...fields })?.message ?? null

describe("headerInjection", () => {
  it.each([
    ["a bare address, a mailbox with a display name, a subject", {}],
    ["plus addressing and the other unquoted specials", { to: "a.d+a!#$%&'*/=?^_`{|}~-@example.com" }],
    ["an address beyond ASCII (SMTPUTF8)", { to: "élodie@exämple.com" }],
    ["a tab in the subject", { subject: "Sign in\tnow" }],
    ["a subject beyond ASCII", { subject: "Anmeldung bei Bücherstube ✓" }]
  ])("sends %s", (_name, fields) => {
    expect(refusal(fields)).toBeNull()
  })

  it.each([
    ["a CRLF and a header after the recipient", { to: "ada@example.com\r\nBcc: mallory@example.com" }, "recipient"],
    ["a bare LF after the recipient", { to: "ada@example.com\nmallory@example.com" }, "recipient"],
    ["a list of recipients", { to: "ada@example.com, mallory@example.com" }, "recipient"],
    ["a list without a space", { to: "ada@example.com;mallory@example.com" }, "recipient"],
    ["a comma in the local part", { to: "ada,mallory@example.com" }, "recipient"],
    ["a display name", { to: "Ada <ada@example.com>" }, "recipient"],
    ["a quoted local part", { to: "\"ada mallory\"@example.com" }, "recipient"],
    ["a comment", { to: "ada@example.com(mallory@example.com)" }, "recipient"],
    ["no @", { to: "ada.example.com" }, "recipient"],
    ["two @", { to: "ada@mallory@example.com" }, "recipient"],
    ["a NUL", { to: "ada@example.com\u0000" }, "recipient"],
    ["nothing", { to: "" }, "recipient"],
    ["a CRLF and a header in from", { from: "Authfx <no-reply@example.com>\r\nBcc: mallory@example.com" }, "sender"],
    ["a CR in from", { from: "Authfx\r<no-reply@example.com>" }, "sender"],
    ["a CRLF and a header in the subject", { subject: "Hello\r\nBcc: mallory@example.com" }, "subject"],
    ["a bare LF in the subject", { subject: "Hello\nX-Injected: yes" }, "subject"],
    ["a DEL in the subject", { subject: "Hello\u007F" }, "subject"]
  ])("refuses %s, naming the field and not its value", (_name, fields, field) => {
    const message = refusal(fields)
    expect(message).toContain(field)
    expect(message).not.toContain("mallory")
    expect(message).not.toContain("ada")
  })

  it("every address normalizeEmail keeps from unquoted characters is sent", () => {
    const atext = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~éß")
    const word = fc.array(atext, { minLength: 1, maxLength: 12 }).map((chars) => chars.join(""))
    const local = fc.array(word, { minLength: 1, maxLength: 3 }).map((words) => words.join("."))
    const domain = fc.array(fc.stringMatching(/^[a-z0-9-]{1,12}$/), { minLength: 2, maxLength: 4 }).map((labels) => labels.join("."))
    fc.assert(fc.property(local, domain, (l, d) => {
      const address = normalizeEmail(`${l}@${d}`)
      return Option.isNone(address) || headerInjection({ ...safe, to: address.value }) === null
    }))
  })
})
