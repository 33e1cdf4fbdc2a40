/**
 * TOTP secrets at rest: the store under SealedTokensUsers keeps only a sealed value (under a `tokens` key,
 * bound to the user), the domain reads the secret back; a sealed secret copied to another user opens as
 * nothing (it reads as empty, so no code matches it).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import * as MemoryKeyStore from "../../../src/adapters/memory/MemoryKeyStore.ts"
import * as MemoryUsers from "../../../src/adapters/memory/MemoryUsers.ts"
import * as SealedTokensUsers from "../../../src/adapters/sealedTokens/SealedTokensUsers.ts"

const newUser = { name: null, email: null, emailVerified: null, image: null }

describe("TOTP secrets sealed at rest", () => {
  it.effect("the store holds a sealed value bound to the user; the decorator opens it", () =>
    Effect.gen(function*() {
      const raw = yield* MemoryUsers.make
      const keys = yield* MemoryKeyStore.make({ secrets: [Redacted.make("wNX68SBYPo16ltI8RoTFInQc9dMZTjjL87QehuHbG71M")] })
      const { store } = SealedTokensUsers.make(raw, keys)
      const ada = yield* store.createUser(newUser)
      const eve = yield* store.createUser(newUser)
      const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
      yield* store.startTwoFactor({ userId: ada.id, id: "e1", secret: Redacted.make(secret), createdAt: new Date(0) })
      const kept = Redacted.value(Option.getOrThrow(yield* raw.getTwoFactor(ada.id)).secret)
      assert.isTrue(kept.startsWith("authfx.sealed.v1."))
      assert.notInclude(kept, secret)
      assert.strictEqual(Redacted.value(Option.getOrThrow(yield* store.getTwoFactor(ada.id)).secret), secret)
      // Eve's row gets Ada's sealed value (a copied database row): it does not open for Eve.
      yield* raw.startTwoFactor({ userId: eve.id, id: "e2", secret: Redacted.make(kept), createdAt: new Date(0) })
      assert.strictEqual(Redacted.value(Option.getOrThrow(yield* store.getTwoFactor(eve.id)).secret), "")
    }))
})
