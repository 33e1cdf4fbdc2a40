import { Effect } from "effect"
import { resolveRedirect } from "../../domain/redirectPolicy.ts"
import type { RouteInput } from "../routes/authRoute.ts"

/**
 * Where to go after the flow: the form's or query's `callbackUrl`, else the one remembered in the
 * callback-url cookie, else the origin — always through the redirect policy, so garbage in any of them
 * lands on the origin rather than on an error.
 */
export const callbackTarget = Effect.fnUntraced(function*(input: RouteInput, submitted: string | undefined) {
  const query = input.context.url.searchParams.get("callbackUrl") ?? undefined
  const remembered = input.request.cookies[input.names.callbackUrl]
  const proposed = submitted ?? query ?? remembered ?? input.context.baseUrl
  const target = yield* resolveRedirect(proposed, input.context.baseUrl)
  if (target !== remembered) input.jar.set(input.names.callbackUrl, target)
  return target
})
