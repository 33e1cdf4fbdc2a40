import { Schema } from "effect"

/** A provider's answer about who signed in, mapped to what the linking rules need. */
export const Profile = Schema.Struct({
  /** The provider's stable id for the account (`sub` in OpenID Connect). */
  id: Schema.NonEmptyString,
  name: Schema.NullOr(Schema.String),
  email: Schema.NullOr(Schema.String),
  /** True only when the provider vouches that the person controls `email`. */
  emailVerified: Schema.Boolean,
  image: Schema.NullOr(Schema.String)
})
export type Profile = typeof Profile.Type
