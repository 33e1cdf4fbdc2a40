import { Effect, Layer } from "effect"
import { htmlPage, redirect } from "./authResponse.ts"
import { errorPage } from "../pages/errorPage.ts"
import { verifyRequestPage } from "../pages/verifyRequestPage.ts"
import { authRoute, type BasePath, type RouteInput } from "./authRoute.ts"

/** The application's own page, with this request's query kept (as Auth.js forwards `?error=`…). */
const toOwnPage = (input: RouteInput, page: string) => {
  const url = new URL(page, input.context.origin)
  for (const [name, value] of input.context.url.searchParams) url.searchParams.set(name, value)
  return redirect(input.request, url.href)
}

/** `GET /verify-request` ("check your e-mail") and `GET /error?error=CODE`. */
export const pageRoutes = (basePath: BasePath) =>
  Layer.mergeAll(
    authRoute("GET", `${basePath}/verify-request`, "browser", (input) =>
      Effect.sync(() =>
        input.config.pages.verifyRequest !== undefined
          ? toOwnPage(input, input.config.pages.verifyRequest)
          : htmlPage(verifyRequestPage({ theme: input.options.theme, url: input.context.baseUrl }), 200, input.context.secure)
      )),
    authRoute("GET", `${basePath}/error`, "browser", (input) =>
      Effect.sync(() => {
        if (input.config.pages.error !== undefined) return toOwnPage(input, input.config.pages.error)
        const page = errorPage({
          theme: input.options.theme,
          error: input.context.url.searchParams.get("error"),
          retryAfter: input.context.url.searchParams.get("retryAfter"),
          signInUrl: `${input.context.apiUrl}/signin`
        })
        // A page that explains an error is not itself a server failure: never a 5xx for a query string.
        return htmlPage(page.html, page.status >= 500 ? 200 : page.status, input.context.secure)
      }))
  )
