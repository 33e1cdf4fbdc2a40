import { ByteSize, Effect, Predicate, Schema } from "effect"
import { HttpIncomingMessage, type HttpServerRequest } from "effect/http"

/** The body is larger than we read. */
export class BodyTooLarge extends Schema.TaggedError<BodyTooLarge>()("BodyTooLarge", {}) {}
/** The body says it is JSON or a form and is not. */
export class BodyMalformed extends Schema.TaggedError<BodyMalformed>()("BodyMalformed", {}) {}

export interface RequestBody {
  /** String fields of a form or of a JSON object; anything else is dropped. */
  readonly fields: Readonly<Record<string, string>>
  /** The parsed JSON, for `POST /session`'s `data`. */
  readonly json: unknown
}

const empty: RequestBody = { fields: {}, json: undefined }

/**
 * Reads a form or JSON body, as Auth.js accepts them; other content types read as empty. The size is
 * bounded before reading (Content-Length) and while reading (for chunked bodies), so a client cannot make
 * us buffer megabytes to reach a sign-in form.
 */
export const readBody = (request: HttpServerRequest.HttpServerRequest, maxBytes: number) =>
  Effect.gen(function*() {
    const contentType = (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase()
    const isForm = contentType === "application/x-www-form-urlencoded"
    if (!isForm && contentType !== "application/json") return empty
    const declared = Number(request.headers["content-length"] ?? "0")
    if (declared > maxBytes) return yield* new BodyTooLarge()
    const text = yield* request.text.pipe(
      Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(maxBytes)),
      Effect.mapError(() => new BodyTooLarge())
    )
    if (text.length > maxBytes) return yield* new BodyTooLarge()
    if (isForm) {
      const fields: Record<string, string> = Object.create(null)
      for (const [name, value] of new URLSearchParams(text)) fields[name] = value
      return { fields, json: undefined } satisfies RequestBody
    }
    if (text.trim() === "") return empty
    const json = yield* Effect.try({ try: () => JSON.parse(text) as unknown, catch: () => new BodyMalformed() })
    const fields: Record<string, string> = Object.create(null)
    if (Predicate.isObject(json) && !Array.isArray(json)) {
      for (const [name, value] of Object.entries(json)) if (typeof value === "string") fields[name] = value
    }
    const body: RequestBody = { fields, json }
    return body
  })
