/**
 * The bridge over @auth/unstorage-adapter on unstorage's memory driver, its indexes in the memory Ledger: the
 * conformance suite unchanged, then what the adapter itself does not promise, shown on the raw adapter.
 */
import { UnstorageAdapter } from "@auth/unstorage-adapter"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { createStorage } from "unstorage"
import * as AuthjsUsers from "../../../src/adapters/authjs/AuthjsUsers.ts"
import * as MemoryLedger from "../../../src/adapters/memory/MemoryLedger.ts"
import { suite } from "../../conformance/Users.ts"
import { downLedger, downUnstorage } from "./support/downStorage.ts"

const storeOn = (storage: ReturnType<typeof createStorage>) =>
  AuthjsUsers.layer(UnstorageAdapter(storage)).pipe(Layer.provide(MemoryLedger.layer))

suite("Auth.js bridge over @auth/unstorage-adapter (memory driver)", storeOn(createStorage()), {
  unavailable: AuthjsUsers.layer(UnstorageAdapter(downUnstorage())).pipe(Layer.provide(downLedger)),
  listsAccounts: false,
  sweepsExpired: false,
  deletesAuthenticators: false
})

const user = (email: string) => ({ id: crypto.randomUUID(), name: null, email, emailVerified: null, image: null })

describe("@auth/unstorage-adapter itself (what the bridge works around, and what it cannot)", () => {
  it("useVerificationToken is not atomic: of 50 concurrent consumers more than one gets the token", async () => {
    const adapter = UnstorageAdapter(createStorage())
    const token = { identifier: "a@example.com", token: "hash-1", expires: new Date(Date.now() + 60_000) }
    await adapter.createVerificationToken?.(token)
    const results = await Promise.all(Array.from({ length: 50 }, () => adapter.useVerificationToken?.(token)))
    const winners = results.filter((found) => found !== null && found !== undefined)
    // get, then remove: every consumer reads before the first removal lands.
    expect(winners.length).toBeGreaterThan(1)
  })

  it("nothing keeps an address unique: concurrent createUser with one address makes several users", async () => {
    const adapter = UnstorageAdapter(createStorage())
    const created = await Promise.all(Array.from({ length: 5 }, () => adapter.createUser?.(user("same@example.com"))))
    expect(new Set(created.map((u) => u?.id)).size).toBe(5)
  })

  it("the address index outlives a change of address (the bridge filters such answers)", async () => {
    const adapter = UnstorageAdapter(createStorage())
    const created = await adapter.createUser!(user("old@example.com"))
    await adapter.updateUser!({ id: created.id, email: "new@example.com" })
    expect((await adapter.getUserByEmail!("old@example.com"))?.email).toBe("new@example.com")
  })

  it("deleteUser removes only the last account and session of the user (the bridge deletes them all first)", async () => {
    const storage = createStorage()
    const adapter = UnstorageAdapter(storage)
    const created = await adapter.createUser!(user("many@example.com"))
    for (const provider of ["github", "gitlab"]) {
      await adapter.linkAccount!({ userId: created.id, type: "oauth", provider, providerAccountId: "1" })
    }
    for (const sessionToken of ["s1", "s2"]) {
      await adapter.createSession!({ sessionToken, userId: created.id, expires: new Date(Date.now() + 60_000) })
    }
    await adapter.deleteUser!(created.id)
    expect(await adapter.getAccount!("1", "github")).not.toBeNull()
    expect(await adapter.getAccount!("1", "gitlab")).toBeNull()
    // The first session is unanswered only because its user is gone: its record stays.
    expect(await adapter.getSessionAndUser!("s1")).toBeNull()
    expect(await storage.getItem("user:session:s1")).not.toBeNull()
    expect(await storage.getItem("user:session:s2")).toBeNull()
  })

  it("deleteUser of a user who never had a session deletes the user, then rejects (the bridge checks)", async () => {
    const adapter = UnstorageAdapter(createStorage())
    const created = await adapter.createUser!(user("sessionless@example.com"))
    await expect(adapter.deleteUser!(created.id)).rejects.toThrow("Invalid key")
    expect(await adapter.getUser!(created.id)).toBeNull()
  })

  it.effect("updateUser of a user who does not exist creates one (the bridge looks first)", () =>
    Effect.promise(async () => {
      const adapter = UnstorageAdapter(createStorage())
      await adapter.updateUser!({ id: "nobody", name: "Ghost" })
      expect(await adapter.getUser!("nobody")).toMatchObject({ id: "nobody", name: "Ghost" })
    }))
})
