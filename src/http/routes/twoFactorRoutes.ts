import { Effect, Layer, Option, Redacted } from "effect"
import { completePendingSignIn, readPendingSignIn } from "../../domain/twoFactor/pendingSignIn.ts"
import {
  confirmEnrolment,
  disableTwoFactor,
  regenerateBackupCodes,
  startEnrolment,
  twoFactorStatus
} from "../../domain/twoFactor/enrolment.ts"
import { TwoFactorPendingInvalid } from "../../domain/twoFactor/TwoFactor.ts"
import { Users } from "../../ports/Users.ts"
import { openPendingSignIn, sealTrustedDevice } from "../cookies/twoFactorCookies.ts"
import { issueCsrfToken, requireCsrf } from "../csrf/csrfGuard.ts"
import { NotSignedIn } from "../HttpError.ts"
import { backupCodesPage, twoFactorPage } from "../pages/twoFactorPage.ts"
import { readBody } from "../request/requestBody.ts"
import { currentUser } from "../session/currentUser.ts"
import { requestSession } from "../session/requestSession.ts"
import { htmlPage, json } from "./authResponse.ts"
import { authRoute, type BasePath, type RouteInput } from "./authRoute.ts"
import { finishSignIn } from "./finishSignIn.ts"

const issuerOf = (input: RouteInput) => input.config.twoFactor.issuer ?? input.context.url.hostname

/** The pending sign-in this browser holds, checked against the Ledger; else TwoFactorPendingInvalid. */
const pendingOf = Effect.fnUntraced(function*(input: RouteInput) {
  const cookie = yield* openPendingSignIn(input)
  if (Option.isNone(cookie)) return yield* new TwoFactorPendingInvalid()
  yield* readPendingSignIn(cookie.value.attempt, cookie.value.sub)
  return cookie.value
})

const signedInUser = Effect.fnUntraced(function*(input: RouteInput) {
  const { user } = yield* currentUser(input)
  if (Option.isNone(user)) return yield* new NotSignedIn()
  return user.value
})

/** A form or JSON body's fields, after the CSRF check every POST here passes. */
const checkedBody = Effect.fnUntraced(function*(input: RouteInput) {
  const body = yield* readBody(input.request, input.options.maxBodyBytes)
  yield* requireCsrf(input, body.fields["csrfToken"])
  return body.fields
})

/** The code page: `GET /two-factor` (the pending sign-in of this browser only). */
const codePage = (input: RouteInput) =>
  Effect.gen(function*() {
    const pending = yield* pendingOf(input)
    let enrol: { secret: string; uri: string } | null = null
    if (pending.mode === "enrol") {
      const user = yield* Users.use((store) => store.getUser(pending.sub))
      if (Option.isNone(user)) return yield* new TwoFactorPendingInvalid()
      // Each visit starts the enrolment afresh: the secret is shown once, and only this page's is confirmed.
      const started = yield* startEnrolment(user.value, issuerOf(input))
      enrol = { secret: Redacted.value(started.secret), uri: Redacted.value(started.uri) }
    }
    return htmlPage(
      twoFactorPage({
        theme: input.options.theme,
        action: `${input.context.apiUrl}/two-factor`,
        csrfToken: yield* issueCsrfToken(input),
        error: input.context.url.searchParams.get("error"),
        trustDeviceDays: input.config.twoFactor.trustDeviceDays,
        enrol
      }),
      200,
      input.context.secure
    )
  })

/** `POST /two-factor` (CSRF): the second factor; the session as the first factor would have made it. */
const submitCode = (input: RouteInput) =>
  Effect.gen(function*() {
    const fields = yield* checkedBody(input)
    const pending = yield* pendingOf(input)
    const current = yield* requestSession(input)
    const done = yield* completePendingSignIn(pending.attempt, pending.sub, fields["code"] ?? "")
    input.jar.expire(input.names.twoFactor)
    const days = input.config.twoFactor.trustDeviceDays
    if (days > 0 && (fields["trustDevice"] === "true" || fields["trustDevice"] === "on")) {
      yield* sealTrustedDevice(input, { userId: done.user.id, enrolmentId: done.enrolmentId }, days)
    }
    const response = yield* finishSignIn(
      input,
      current,
      { userId: done.user.id, isNewUser: done.isNewUser, session: done.session },
      pending.callbackUrl
    )
    if (done.backupCodes === null) return response
    return htmlPage(
      backupCodesPage({ theme: input.options.theme, codes: done.backupCodes, continueUrl: pending.callbackUrl }),
      200,
      input.context.secure
    )
  })

/**
 * Two-factor sign-in (beyond Auth.js). The browser flow: `GET /two-factor` asks for the code of a pending
 * sign-in, `POST /two-factor` (CSRF) finishes it. The signed-in user's API, JSON out: `GET /two-factor/status`;
 * `POST /two-factor/enrol` starts an enrolment (the secret and its `otpauth://` URI, shown once);
 * `POST /two-factor/enrol/confirm` turns it on with a first `code` (the backup codes, shown once);
 * `POST /two-factor/backup-codes` replaces them and `POST /two-factor/disable` turns it off, each with a
 * current `code` or a backup code. Every POST checks CSRF.
 */
export const twoFactorRoutes = (basePath: BasePath) =>
  Layer.mergeAll(
    authRoute("GET", `${basePath}/two-factor`, "browser", codePage),
    authRoute("POST", `${basePath}/two-factor`, "browser", submitCode),
    authRoute("GET", `${basePath}/two-factor/status`, "api", (input) =>
      Effect.gen(function*() {
        const user = yield* signedInUser(input)
        const status = yield* twoFactorStatus(user.id)
        return json({ ...status, enabledAt: status.enabledAt?.toISOString() ?? null })
      })),
    authRoute("POST", `${basePath}/two-factor/enrol`, "api", (input) =>
      Effect.gen(function*() {
        yield* checkedBody(input)
        const user = yield* signedInUser(input)
        const started = yield* startEnrolment(user, issuerOf(input))
        return json({ secret: Redacted.value(started.secret), uri: Redacted.value(started.uri) })
      })),
    authRoute("POST", `${basePath}/two-factor/enrol/confirm`, "api", (input) =>
      Effect.gen(function*() {
        const fields = yield* checkedBody(input)
        const user = yield* signedInUser(input)
        const confirmed = yield* confirmEnrolment(user.id, fields["code"] ?? "")
        return json({ enabled: true, backupCodes: confirmed.backupCodes })
      })),
    authRoute("POST", `${basePath}/two-factor/backup-codes`, "api", (input) =>
      Effect.gen(function*() {
        const fields = yield* checkedBody(input)
        const user = yield* signedInUser(input)
        return json({ backupCodes: yield* regenerateBackupCodes(user.id, fields["code"] ?? "") })
      })),
    authRoute("POST", `${basePath}/two-factor/disable`, "api", (input) =>
      Effect.gen(function*() {
        const fields = yield* checkedBody(input)
        const user = yield* signedInUser(input)
        yield* disableTwoFactor(user.id, fields["code"] ?? "")
        // Every trust cookie named the enrolment just deleted; this browser's goes at once.
        input.jar.expire(input.names.trustedDevice)
        return json({ enabled: false })
      }))
  )
