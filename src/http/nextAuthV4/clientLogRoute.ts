import { Clock, Effect } from "effect"
import { HttpServerResponse } from "effect/http"
import { sameOriginRequest } from "../csrf/csrfToken.ts"
import { MissingCSRF } from "../HttpError.ts"
import { readBody } from "../request/requestBody.ts"
import { authRoute, type BasePath } from "../routes/authRoute.ts"
import { admitReport, clientReport, emptyWindow, type LogWindow } from "./clientReport.ts"

/** A report is a few hundred bytes (a stack at most a few KiB); more is not one. */
const maxReportBytes = 16 * 1024

/**
 * `POST /_log`: where next-auth 4's client reports its errors (by `sendBeacon`, or `fetch` without one). It
 * needs no CSRF token — next-auth sends none, and nothing changes but a bounded log line (clientReport.ts) — but
 * a cross-site page may not make its visitors' browsers write our log (`403`). Answered `204`, no cookie set.
 */
export const clientLogRoute = (basePath: BasePath) => {
  // One budget per app: a flood from any number of clients costs the same few lines.
  let window: LogWindow = emptyWindow
  return authRoute("POST", `${basePath}/_log`, "api", (input) =>
    Effect.gen(function*() {
      if (!sameOriginRequest(input.request, input.context)) return yield* new MissingCSRF()
      const body = yield* readBody(input.request, Math.min(input.options.maxBodyBytes, maxReportBytes))
      const report = clientReport(body.fields, basePath)
      if (report !== null) {
        const now = yield* Clock.currentTimeMillis
        // Read and written with no yield between: concurrent reports cannot both take the last line.
        const admitted = admitReport(window, now)
        window = admitted.window
        if (admitted.log) {
          const line = `authfx: a next-auth client reported ${report.code}` +
            (report.endpoint === null ? "" : ` (${report.endpoint})`) +
            (admitted.droppedBefore > 0 ? `; ${admitted.droppedBefore} reports dropped before` : "")
          yield* report.level === "debug" ? Effect.logDebug(line) : Effect.logWarning(line)
        }
      }
      return HttpServerResponse.empty({ status: 204 })
    }))
}
