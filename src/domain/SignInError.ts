import { Schema } from "effect"

/** The signIn callback said no (or failed), or the jwt callback refused to make a token at sign-in. */
export class AccessDenied extends Schema.TaggedError<AccessDenied>()("AccessDenied", {
  reason: Schema.Literals(["SignInCallback", "JwtCallback"])
}) {}

/**
 * The provider account cannot be used to sign in as anyone here: it belongs to another user than the
 * one signed in, or its e-mail belongs to an existing user and the provider is not trusted to prove it.
 */
export class OAuthAccountNotLinked extends Schema.TaggedError<OAuthAccountNotLinked>()("OAuthAccountNotLinked", {
  reason: Schema.Literals(["AccountOfAnotherUser", "EmailOfAnotherUser"])
}) {}

/** The credentials were refused. `code` is safe to show (Auth.js sends it as `&code=`). */
export class CredentialsSignin extends Schema.TaggedError<CredentialsSignin>()("CredentialsSignin", {
  code: Schema.String
}) {}

/** The e-mail link is unknown, used, expired or for another address. One answer for all: no oracle. */
export class Verification extends Schema.TaggedError<Verification>()("Verification", {}) {}

/** The address given for e-mail sign-in is not an address we can send to. */
export class InvalidEmail extends Schema.TaggedError<InvalidEmail>()("InvalidEmail", {}) {}

/** The signIn callback answered with a URL: go there instead of signing in. */
export class SignInRedirected extends Schema.TaggedError<SignInRedirected>()("SignInRedirected", {
  url: Schema.String
}) {}

/** The provider id names no provider of the kind the flow needs. */
export class ProviderNotConfigured extends Schema.TaggedError<ProviderNotConfigured>()("ProviderNotConfigured", {
  provider: Schema.String
}) {}

/**
 * A passkey ceremony failed: an unknown or removed credential, a challenge that is missing, used, expired or of
 * another flow, a signature, origin or RP ID that does not verify, or a counter that did not increase (a cloned
 * authenticator). One answer for all (Auth.js's `WebAuthnVerificationError`); `reason` is for the logs only.
 */
export class WebAuthnVerificationError extends Schema.TaggedError<WebAuthnVerificationError>()("WebAuthnVerificationError", {
  reason: Schema.Literals(["UnknownCredential", "Challenge", "Signature", "Cloned", "Registration"])
}) {}
