import { Effect } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { json } from "./authResponse.ts"
import type { BasePath } from "./authRoute.ts"

/** The methods each action answers, for `405` with `Allow`. */
const allowed: ReadonlyArray<readonly [RegExp, string]> = [
  [/^\/(csrf|providers|signin|verify-request|error|jwks|accounts)$/, "GET"],
  [/^\/session$/, "GET, POST"],
  [/^\/signout$/, "GET, POST"],
  [/^\/callback\/[^/]+$/, "GET, POST"],
  [/^\/(signin|link|unlink)\/[^/]+$/, "POST"],
  [/^\/_log$/, "POST"]
]

/**
 * Everything else under the base path: a known action with another method is `405` with `Allow`; an
 * unknown action is `404`. Both clear 4xx, never a 500 and never the application's own 404 page.
 */
export const fallbackRoute = (basePath: BasePath) =>
  HttpRouter.add("*", `${basePath}/*`, Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const path = (request.url.split("?")[0] ?? "").slice(basePath.length)
    const methods = allowed.filter(([pattern]) => pattern.test(path)).map(([, m]) => m).join(", ")
    return methods === ""
      ? json({ error: "NotFound", message: "No such action." }, 404)
      : HttpServerResponse.setHeader(json({ error: "MethodNotAllowed", message: `Use ${methods}.` }, 405), "allow", methods)
  }))
