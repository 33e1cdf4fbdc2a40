import { Effect } from "effect"
import type { RouteInput } from "../routes/authRoute.ts"
import { type CurrentSession, currentSession } from "./sessionCookie.ts"

// Read once per request: the CSRF check and the route both need the session, and a second read would
// renew it twice and ask the store twice.
const read = new WeakMap<RouteInput, CurrentSession>()

/** The session of the request a route answers, read (and renewed when due) at most once. */
export const requestSession = (input: RouteInput): Effect.Effect<
  CurrentSession,
  Effect.Error<ReturnType<typeof currentSession>>,
  Effect.Services<ReturnType<typeof currentSession>>
> =>
  Effect.suspend(() => {
    const known = read.get(input)
    if (known !== undefined) return Effect.succeed(known)
    return Effect.tap(currentSession(input.request, input.names, input.jar), (current) => Effect.sync(() => read.set(input, current)))
  })
