import { Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { jwksOf, verifiesAt } from "../../../src/adapters/keyring/verifyingKeys.ts"
import type { KeyPair, PublicJwk, SecretKey } from "../../../src/ports/KeyStore.ts"

const now = 1_000_000

describe("verifiesAt", () => {
  it.each([
    ["the current key (no retirement)", null, true],
    ["a key retiring a millisecond later", now + 1, true],
    ["a key retiring at that instant", now, false],
    ["a key retired before", now - 1, false]
  ] as const)("%s: %s", (_case, retiresAt, expected) => {
    expect(verifiesAt(now)({ retiresAt: retiresAt === null ? null : new Date(retiresAt) })).toBe(expected)
  })
})

describe("jwksOf", () => {
  const common = { purpose: "session", createdAt: new Date(0), retiresAt: null } as const
  const publicJwk = (kid: string): PublicJwk => ({ kty: "OKP", crv: "Ed25519", x: `x-${kid}`, kid, alg: "EdDSA", use: "sig" })
  const pair = (kid: string): KeyPair => ({
    ...common,
    _tag: "KeyPair",
    kid,
    alg: "EdDSA",
    enc: null,
    privateJwk: Redacted.make({ ...publicJwk(kid), d: `d-${kid}` }),
    publicJwk: publicJwk(kid)
  })
  const secret: SecretKey = {
    ...common,
    _tag: "SecretKey",
    kid: "secret",
    alg: "HS256",
    enc: null,
    secret: Redacted.make(new Uint8Array(32).fill(7))
  }

  it("publishes the public JWK of each key pair, in order, and nothing of a secret key", () => {
    expect(jwksOf([pair("a"), secret, pair("b")])).toEqual({ keys: [publicJwk("a"), publicJwk("b")] })
  })

  it("is empty when every key is secret", () => {
    expect(jwksOf([secret])).toEqual({ keys: [] })
  })
})
