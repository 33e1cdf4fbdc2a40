import { Effect } from "effect"
import type { IssuedSession } from "../../domain/Session.ts"
import { endSession } from "../../domain/sessionLifecycle.ts"
import type { UserId } from "../../domain/User.ts"
import { redirect } from "./authResponse.ts"
import type { RouteInput } from "./authRoute.ts"
import { type CurrentSession, writeSession } from "../session/sessionCookie.ts"

/**
 * After any successful sign-in: write the new session, ending the browser's previous one — it may be an
 * attacker's planted session, whose copy he kept, or the same user's, which a new sign-in replaces (a new
 * session id at every sign-in) — then go to the callback URL, or to the application's new-user page first,
 * as Auth.js does.
 */
export const finishSignIn = Effect.fnUntraced(function*(
  input: RouteInput,
  previous: CurrentSession,
  signedIn: { readonly userId: UserId; readonly isNewUser: boolean; readonly session: IssuedSession | null },
  callbackUrl: string
) {
  if (signedIn.session !== null) {
    if (previous.credential !== null && previous.read._tag === "Active") yield* endSession(previous.credential)
    yield* writeSession(signedIn.session, input.names, input.jar)
  }
  if (signedIn.isNewUser && input.config.pages.newUser !== undefined) {
    const page = new URL(input.config.pages.newUser, input.context.origin)
    page.searchParams.set("callbackUrl", callbackUrl)
    return redirect(input.request, page.href)
  }
  return redirect(input.request, callbackUrl)
})
