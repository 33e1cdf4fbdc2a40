import { assert } from "@effect/vitest"

/** Asserts an error's tag and narrows it, so the test can look at that error's fields. */
export const expectTag = <E extends { readonly _tag: string }, T extends E["_tag"]>(error: E, tag: T) => {
  assert.strictEqual(error._tag, tag)
  return error as Extract<E, { readonly _tag: T }>
}
