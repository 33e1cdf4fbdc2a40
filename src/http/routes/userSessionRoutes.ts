import { Effect, Layer } from "effect"
import { listUserSessions, type RevokeTarget, revokeUserSessions } from "../../domain/userSessions.ts"
import { requireCsrf } from "../csrf/csrfGuard.ts"
import { BadRequest, NotSignedIn } from "../HttpError.ts"
import { readBody } from "../request/requestBody.ts"
import { requestSession } from "../session/requestSession.ts"
import type { RouteInput } from "./authRoute.ts"
import { json } from "./authResponse.ts"
import { authRoute, type BasePath } from "./authRoute.ts"

const activeSession = Effect.fnUntraced(function*(input: RouteInput) {
  const { read } = yield* requestSession(input)
  if (read._tag !== "Active") return yield* new NotSignedIn()
  return read.session
})

// A handle is 32 hex digits; anything else names no session, and is refused before any lookup.
const handlePattern = /^[0-9a-f]{32}$/

/** `{ handle }`, `{ scope: "others" }` or `{ scope: "all" }`, from a JSON body or a form. */
const revokeTarget = (fields: Readonly<Record<string, string>>): RevokeTarget | null => {
  const { handle, scope } = fields
  if (handle !== undefined && scope === undefined) return handlePattern.test(handle) ? { _tag: "One", handle } : null
  if (handle === undefined && scope === "others") return { _tag: "Others" }
  if (handle === undefined && scope === "all") return { _tag: "All" }
  return null
}

/**
 * Beyond Auth.js: the signed-in user's own sessions. `GET /sessions` lists them (an opaque handle, when created
 * and last renewed, a coarse client label, the provider signed in with, `current` for the caller's; never a
 * token). `POST /sessions/revoke` (CSRF) ends one by handle, every other one, or all — all needs a recent sign-in
 * (`403 StepUpRequired` otherwise). Ending the caller's own session clears its cookie.
 */
export const userSessionRoutes = (basePath: BasePath) =>
  Layer.mergeAll(
    authRoute("GET", `${basePath}/sessions`, "api", (input) =>
      Effect.gen(function*() {
        const sessions = yield* listUserSessions(yield* activeSession(input))
        return json(sessions.map((session) => ({
          handle: session.handle,
          created: session.createdAt?.toISOString() ?? null,
          lastSeen: session.lastSeenAt?.toISOString() ?? null,
          expires: session.expires.toISOString(),
          client: session.client,
          provider: session.provider,
          current: session.current
        })))
      })),
    authRoute("POST", `${basePath}/sessions/revoke`, "api", (input) =>
      Effect.gen(function*() {
        const body = yield* readBody(input.request, input.options.maxBodyBytes)
        yield* requireCsrf(input, body.fields["csrfToken"])
        const current = yield* activeSession(input)
        const target = revokeTarget(body.fields)
        if (target === null) {
          return yield* new BadRequest({ message: 'Send { handle } or { scope: "others" | "all" }.' })
        }
        const { count, currentEnded } = yield* revokeUserSessions(current, target)
        if (currentEnded) input.jar.expireSession(input.names.session)
        return json({ revoked: count, currentEnded })
      }))
  )
