import { Effect } from "effect"
import type { IssuedSession } from "../../domain/Session.ts"
import { endSession } from "../../domain/sessionLifecycle.ts"
import type { PendingSecondFactor } from "../../domain/twoFactor/pendingSignIn.ts"
import type { UserId } from "../../domain/User.ts"
import { sealPendingSignIn } from "../cookies/twoFactorCookies.ts"
import { redirect } from "./authResponse.ts"
import type { RouteInput } from "./authRoute.ts"
import { type CurrentSession, writeSession } from "../session/sessionCookie.ts"

/**
 * After any successful sign-in: write the new session, ending the browser's previous one — it may be an
 * attacker's planted session, whose copy he kept, or the same user's, which a new sign-in replaces (a new
 * session id at every sign-in) — then go to the callback URL, or to the application's new-user page first,
 * as Auth.js does. A sign-in that still needs its second factor gets no session: its pending state is sealed
 * into this browser's cookie and the browser goes to the code page (`GET /two-factor`), which finishes here.
 */
export const finishSignIn = Effect.fnUntraced(function*(
  input: RouteInput,
  previous: CurrentSession,
  signedIn: {
    readonly userId: UserId
    readonly isNewUser: boolean
    readonly session: IssuedSession | null
    readonly secondFactor?: PendingSecondFactor | null
  },
  callbackUrl: string
) {
  if (signedIn.secondFactor !== undefined && signedIn.secondFactor !== null) {
    yield* sealPendingSignIn(input, signedIn.secondFactor, callbackUrl)
    return redirect(input.request, `${input.context.apiUrl}/two-factor`)
  }
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
