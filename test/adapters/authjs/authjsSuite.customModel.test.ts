/**
 * Auth.js's adapter suite has a custom-model mode (`CUSTOM_MODEL=1`: the user also has `role` and `phone`, as
 * Prisma, TypeORM and DynamoDB users may add). authfx's user has exactly Auth.js's default fields, so that mode
 * is not run (README, "Deliberate deviations from Auth.js"); this pins down what happens instead: the extra
 * fields are not kept, and nothing else about the user changes.
 */
import { expect, it } from "vitest"
import { ManagedRuntime } from "effect"
import * as MemoryUsers from "../../../src/adapters/memory/MemoryUsers.ts"
import { toAuthjsAdapter } from "../../../src/adapters/authjs/toAuthjsAdapter.ts"

it("drops a custom model's extra user fields and keeps Auth.js's own", async () => {
  const runtime = ManagedRuntime.make(MemoryUsers.layer)
  const adapter = toAuthjsAdapter(runtime)
  const emailVerified = new Date()
  const custom = {
    id: crypto.randomUUID(),
    email: `custom-${crypto.randomUUID()}@example.com`,
    image: "https://example.com/a.png",
    name: "Fill Murray",
    emailVerified,
    role: "admin",
    phone: "00000000000"
  }
  const created = await adapter.createUser!(custom)
  const { role: _role, phone: _phone, ...fields } = custom
  expect(created).toEqual({ ...fields, id: created.id })
  expect(await adapter.getUser!(created.id)).toEqual({ ...fields, id: created.id })
  await runtime.dispose()
})
