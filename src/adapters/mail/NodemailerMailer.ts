import { Duration, Effect, Layer, Redacted, Result, Schema, type Scope } from "effect"
import { createTransport } from "nodemailer"
import { headerInjection } from "../../domain/headerInjection.ts"
import { type MailMessage, Mailer, MailerError } from "../../ports/Mailer.ts"

interface CommonOptions {
  /**
   * Bounds connecting, the server's greeting and every later wait for a reply (default 10 000). A whole send
   * is bounded a little above it, so a server that trickles bytes and never finishes a reply cannot hold a
   * sign-in request open either.
   */
  readonly timeoutMillis?: number
  /** Keeps connections open between messages instead of one connection per message. */
  readonly pool?: boolean
}

export interface UrlOptions extends CommonOptions {
  /** `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://user:pass@host:465` (TLS from the start). */
  readonly url: Redacted.Redacted<string>
}

export interface HostOptions extends CommonOptions {
  readonly host: string
  readonly port: number
  /** TLS from the start. Defaults to true on port 465; elsewhere STARTTLS is used when the server offers it. */
  readonly secure?: boolean
  readonly auth?: { readonly user: string; readonly pass: Redacted.Redacted<string> }
  /** Refuse to send unless the connection is upgraded with STARTTLS. */
  readonly requireTLS?: boolean
}

export type Options = UrlOptions | HostOptions

/** The options cannot make a mailer; `message` names what is wrong, never the URL or a credential. */
export class InvalidMailerOptions extends Schema.TaggedError<InvalidMailerOptions>()("InvalidMailerOptions", {
  message: Schema.String
}) {}

interface Connection {
  readonly host: string
  readonly port: number | undefined
  readonly secure: boolean
  readonly requireTLS: boolean
  readonly auth: { readonly user: string; readonly pass: Redacted.Redacted<string> } | undefined
  readonly timeoutMillis: number
  readonly pool: boolean
}

/** What the adapter needs of a nodemailer transport, whichever of the pooled or single-use ones it is. */
interface Transport {
  readonly sendMail: (mail: {
    readonly from: string
    readonly to: string
    readonly subject: string
    readonly text: string
    readonly html: string
  }) => Promise<unknown>
  readonly close: () => void
}

const defaultTimeoutMillis = 10_000
const maxTimeoutMillis = 60 * 60 * 1000

const invalid = (message: string) => Result.fail(new InvalidMailerOptions({ message }))

const decodeComponent = (component: string): string | undefined => {
  try {
    return decodeURIComponent(component)
  } catch {
    return undefined
  }
}

const isPort = (port: number) => Number.isInteger(port) && port >= 1 && port <= 65_535

const fromUrl = (
  url: Redacted.Redacted<string>,
  common: Pick<Connection, "timeoutMillis" | "pool">
): Result.Result<Connection, InvalidMailerOptions> => {
  const parsed = URL.parse(Redacted.value(url))
  if (parsed === null) return invalid("the SMTP url is not a URL")
  if (parsed.protocol !== "smtp:" && parsed.protocol !== "smtps:") {
    return invalid("the SMTP url must start with smtp:// or smtps://")
  }
  // IPv6 literals come bracketed from URL but the socket wants the bare address.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1")
  if (host === "") return invalid("the SMTP url has no host")
  // nodemailer reads TLS and pool settings from the query string; silently ignoring them would be worse than
  // saying so, and those settings have options of their own here.
  if (parsed.search !== "" || parsed.hash !== "") return invalid("the SMTP url takes no query string or fragment")
  const port = parsed.port === "" ? undefined : Number(parsed.port)
  if (port !== undefined && !isPort(port)) return invalid("the SMTP url has an invalid port")
  let auth: Connection["auth"] = undefined
  if (parsed.username !== "" || parsed.password !== "") {
    const user = decodeComponent(parsed.username)
    const pass = decodeComponent(parsed.password)
    if (user === undefined || pass === undefined) return invalid("the SMTP url's credentials are badly percent-encoded")
    if (user === "") return invalid("the SMTP url has a password but no user name")
    auth = { user, pass: Redacted.make(pass) }
  }
  return Result.succeed({ host, port, secure: parsed.protocol === "smtps:", requireTLS: false, auth, ...common })
}

const fromHost = (
  options: HostOptions,
  common: Pick<Connection, "timeoutMillis" | "pool">
): Result.Result<Connection, InvalidMailerOptions> => {
  if (typeof options.host !== "string" || options.host.trim() === "" || /\s/.test(options.host)) {
    return invalid("the SMTP host is missing or not a host name")
  }
  if (!isPort(options.port)) return invalid("the SMTP port must be an integer from 1 to 65535")
  if (options.auth !== undefined && options.auth.user === "") return invalid("the SMTP user name is empty")
  return Result.succeed({
    host: options.host,
    port: options.port,
    secure: options.secure ?? options.port === 465,
    requireTLS: options.requireTLS ?? false,
    auth: options.auth,
    ...common
  })
}

const resolve = (options: Options): Result.Result<Connection, InvalidMailerOptions> => {
  const timeoutMillis = options.timeoutMillis ?? defaultTimeoutMillis
  // Node timers fire at once past 2^31 ms; an hour is already far beyond any SMTP server worth waiting for.
  if (!(timeoutMillis > 0 && timeoutMillis <= maxTimeoutMillis)) {
    return invalid("timeoutMillis must be a positive number of at most an hour")
  }
  const common = { timeoutMillis, pool: options.pool ?? false }
  return "url" in options ? fromUrl(options.url, common) : fromHost(options, common)
}

const open = (connection: Connection): Transport => {
  const settings = {
    host: connection.host,
    ...(connection.port === undefined ? {} : { port: connection.port }),
    secure: connection.secure,
    requireTLS: connection.requireTLS,
    ...(connection.auth === undefined
      ? {}
      : { auth: { user: connection.auth.user, pass: Redacted.value(connection.auth.pass) } }),
    connectionTimeout: connection.timeoutMillis,
    greetingTimeout: connection.timeoutMillis,
    socketTimeout: connection.timeoutMillis,
    dnsTimeout: connection.timeoutMillis
  }
  return connection.pool ? createTransport({ ...settings, pool: true }) : createTransport(settings)
}

/**
 * Driver timeouts restart on every step and on every byte received, so a server answering one byte at a time
 * never trips them. The whole send gets half a step more, which still leaves a slow connect followed by a
 * slow greeting to fail with the driver's own, more precise reason.
 */
const sendBudgetMillis = (timeoutMillis: number) => Math.round(timeoutMillis * 1.5) + 500

const scrubbed = "<redacted>"

/**
 * SMTP replies often echo the envelope ("550 <ada@example.com>: no such user") and a refusal can quote the
 * message; the text kept for operators loses every address, URL and the credentials first.
 */
const scrub = (text: string, secrets: ReadonlyArray<string>): string => {
  let out = text
  // A one- or two-character "secret" would shred the text and protects nothing.
  for (const secret of secrets) if (secret.length >= 3) out = out.split(secret).join(scrubbed)
  return out
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s<>"']+/gi, scrubbed)
    .replace(/[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g, scrubbed)
}

interface DriverError {
  readonly message: string
  readonly code: string | undefined
  readonly errno: string | undefined
  readonly responseCode: number | undefined
  readonly command: string | undefined
}

const driverError = (cause: unknown): DriverError => {
  const field = (name: string): unknown =>
    typeof cause === "object" && cause !== null ? (cause as Record<string, unknown>)[name] : undefined
  const string = (name: string) => {
    const value = field(name)
    return typeof value === "string" ? value : undefined
  }
  const responseCode = field("responseCode")
  return {
    message: cause instanceof Error ? cause.message : String(cause),
    code: string("code"),
    // nodemailer replaces a socket error's code (ECONNREFUSED) with its own (ESOCKET); the message keeps it.
    errno: cause instanceof Error ? /\bE[A-Z]{3,}\b/.exec(cause.message)?.[0] : undefined,
    responseCode: typeof responseCode === "number" && Number.isInteger(responseCode) ? responseCode : undefined,
    command: string("command")
  }
}

const describeFailure = (error: DriverError): string => {
  const reply = error.responseCode === undefined ? "" : ` (${error.responseCode})`
  switch (error.code) {
    case "ETIMEDOUT":
      return "the SMTP server did not answer in time"
    case "EDNS":
      return "the SMTP server's host name could not be resolved"
    case "ETLS":
      return "the TLS connection to the SMTP server could not be set up"
    case "EAUTH":
      return `the SMTP server refused the credentials${reply}`
    case "ENOAUTH":
      return "the SMTP server asked for credentials that were not configured"
    case "EENVELOPE":
      return error.command === "MAIL FROM"
        ? `the SMTP server refused the sender${reply}`
        : `the SMTP server refused the recipient${reply}`
    case "EMESSAGE":
      return `the SMTP server refused the message${reply}`
    case "EPROTOCOL":
      return `the SMTP server answered outside the protocol${reply}`
    case "ECONNECTION":
      return "the SMTP server closed the connection"
    case "ESOCKET":
      return error.command === "CONN"
        ? `could not connect to the SMTP server${error.errno === undefined ? "" : ` (${error.errno})`}`
        : "the connection to the SMTP server failed"
    default:
      return `the SMTP server did not take the message${reply}`
  }
}

/**
 * The driver's error object keeps the full server reply and the rejected addresses in its fields and stack,
 * so `cause` is a fresh Error holding only scrubbed text and the protocol facts.
 */
const toMailerError = (cause: unknown, secrets: ReadonlyArray<string>): MailerError => {
  const error = driverError(cause)
  const kept = Object.assign(new Error(scrub(error.message, secrets)), {
    name: "SmtpError",
    ...(error.code === undefined ? {} : { code: error.code }),
    ...(error.responseCode === undefined ? {} : { responseCode: error.responseCode }),
    ...(error.command === undefined ? {} : { command: scrub(error.command, secrets) })
  })
  return new MailerError({ message: describeFailure(error), cause: kept })
}

/** Builds the Mailer; the transport (and with `pool`, its open connections) closes with the scope. */
export const make = (
  options: Options
): Effect.Effect<Mailer["Service"], InvalidMailerOptions, Scope.Scope> =>
  Effect.gen(function*() {
    const connection = yield* Effect.fromResult(resolve(options))
    const transport = yield* Effect.acquireRelease(
      Effect.sync(() => open(connection)),
      (transport) => Effect.sync(() => transport.close())
    )
    const credentials = connection.auth === undefined
      ? []
      : [connection.auth.user, Redacted.value(connection.auth.pass)]
    const budget = Duration.millis(sendBudgetMillis(connection.timeoutMillis))
    return Mailer.of({
      send: Effect.fn("NodemailerMailer.send")(function*(message: MailMessage) {
        // nodemailer reads a line break as a new header and a comma in `to` as a second recipient.
        const refused = headerInjection(message)
        if (refused !== null) return yield* refused
        const secrets = [message.to, message.from, ...credentials]
        yield* Effect.tryPromise({
          try: () =>
            transport.sendMail({
              from: message.from,
              to: message.to,
              subject: message.subject,
              text: Redacted.value(message.text),
              html: Redacted.value(message.html)
            }),
          catch: (cause) => toMailerError(cause, secrets)
        }).pipe(
          Effect.timeoutOrElse({
            duration: budget,
            orElse: () => Effect.fail(new MailerError({ message: "the SMTP server did not finish the exchange in time" }))
          })
        )
      })
    })
  })

export const layer = (options: Options): Layer.Layer<Mailer, InvalidMailerOptions> =>
  Layer.effect(Mailer, make(options))
