import { Effect, Option } from "effect"
import type { User } from "../../domain/User.ts"
import { Users } from "../../ports/Users.ts"
import { requestSession } from "./requestSession.ts"
import type { RouteInput } from "../routes/authRoute.ts"
import type { CurrentSession } from "./sessionCookie.ts"

/** The signed-in user as a stored user (JWT sessions hold only claims, so the user is looked up). */
export const currentUser = Effect.fnUntraced(function*(input: RouteInput) {
  const current: CurrentSession = yield* requestSession(input)
  if (current.read._tag !== "Active") return { current, user: Option.none<User>() }
  const session = current.read.session
  const user = session._tag === "Database" ? Option.some(session.user) : yield* Users.use((store) => store.getUser(session.userId))
  return { current, user }
})
