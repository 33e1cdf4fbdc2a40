import { Schema } from "effect"

/** A user id as the store assigned it. Opaque: never parse it. */
export const UserId = Schema.String.pipe(Schema.check(Schema.isMinLength(1)), Schema.brand("UserId"))
export type UserId = typeof UserId.Type

/**
 * An e-mail address after normalisation (see `normalizeEmail`): what the stores index and compare.
 * The brand keeps raw user input from reaching a lookup by accident.
 */
export const Email = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[^\s@"]+@[^\s@",]+$/, { message: "must be a normalised e-mail address" })),
  Schema.brand("Email")
)
export type Email = typeof Email.Type

export const User = Schema.Struct({
  id: UserId,
  name: Schema.NullOr(Schema.String),
  email: Schema.NullOr(Email),
  /** When the user last proved they receive mail at `email`; null while unproven. */
  emailVerified: Schema.NullOr(Schema.Date),
  image: Schema.NullOr(Schema.String)
})
export type User = typeof User.Type

/** What a store needs to create a user; the store assigns the id. */
export const NewUser = Schema.Struct({
  name: Schema.NullOr(Schema.String),
  email: Schema.NullOr(Email),
  emailVerified: Schema.NullOr(Schema.Date),
  image: Schema.NullOr(Schema.String)
})
export type NewUser = typeof NewUser.Type

/** A partial update: absent keys stay as they are. */
export type UserPatch = Partial<NewUser>
