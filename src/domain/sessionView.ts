import { Effect } from "effect"
import { AuthConfig } from "./AuthConfig.ts"
import { callHook, emitEvent } from "./callHook.ts"
import type { JwtClaims, SessionView } from "./Session.ts"
import type { User } from "./User.ts"

const nullableString = (value: unknown): string | null => (typeof value === "string" ? value : null)

/** The default session JSON, as Auth.js shows it: name, e-mail and image, and when it expires. No id. */
export const defaultView = (
  user: { readonly name: unknown; readonly email: unknown; readonly image: unknown },
  expires: Date
): SessionView => ({
  user: { name: nullableString(user.name), email: nullableString(user.email), image: nullableString(user.image) },
  expires: expires.toISOString()
})

/** The default view of a JWT session: what its claims say of the user. */
export const jwtView = (claims: JwtClaims, expires: Date): SessionView =>
  defaultView({ name: claims.name, email: claims.email, image: claims.picture }, expires)

/** Runs the session callback (if any) over the default view, then tells the session event. */
export const shapeSessionView = Effect.fnUntraced(function*(input: {
  readonly expires: Date
  readonly user?: User
  readonly token?: JwtClaims
  readonly newSession?: unknown
}) {
  const config = yield* AuthConfig
  const base = input.user !== undefined
    ? defaultView(input.user, input.expires)
    : input.token !== undefined
    ? jwtView(input.token, input.expires)
    : defaultView({ name: null, email: null, image: null }, input.expires)
  const hook = config.callbacks.session
  const view = hook === undefined ? base : yield* callHook("session", hook, {
    session: base,
    ...(input.token === undefined ? {} : { token: input.token }),
    ...(input.user === undefined ? {} : { user: input.user }),
    ...(input.newSession === undefined ? {} : { trigger: "update" as const, newSession: input.newSession })
  })
  yield* emitEvent("session", config.events.session, { session: view, token: input.token ?? null })
  return view
})
