import { Schema } from "effect"

/**
 * A pending e-mail sign-in. `tokenHash` is a keyed hash of the token in the link (never the token),
 * so whoever reads the store cannot sign in as the recipient.
 */
export const VerificationToken = Schema.Struct({
  identifier: Schema.NonEmptyString,
  tokenHash: Schema.NonEmptyString,
  expires: Schema.Date
})
export type VerificationToken = typeof VerificationToken.Type
