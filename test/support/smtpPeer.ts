import { Effect } from "effect"
import type { AddressInfo } from "node:net"
import { SMTPServer, type SMTPServerOptions } from "smtp-server"

/** One message as the peer received it. Line breaks in `text` and `html` come back as `\n`. */
export interface ReceivedMail {
  /** MAIL FROM and RCPT TO: where the server was told the message comes from and goes. */
  readonly envelope: { readonly from: string; readonly to: ReadonlyArray<string> }
  /** The From, To and Subject headers, RFC 2047 encoded words decoded. */
  readonly from: string
  readonly to: string
  readonly subject: string
  /** The first text/plain and text/html parts that are not attachments, transfer encoding undone. */
  readonly text: string | undefined
  readonly html: string | undefined
  /** Header names lower-cased, values unfolded and decoded; the first of repeated headers. */
  readonly headers: ReadonlyMap<string, string>
  /** The message as it came over DATA (dot-stuffing already undone by smtp-server). */
  readonly raw: string
}

export interface SmtpPeerOptions {
  /** Accepted user names and passwords; without it any credentials are accepted. AUTH works without TLS. */
  readonly users?: Readonly<Record<string, string>>
  /** Recipients answered with `550 <address>: Recipient address rejected`, the address echoed like real servers do. */
  readonly rejectRecipient?: (address: string) => boolean
}

export interface SmtpPeer {
  readonly port: number
  /** `smtp://127.0.0.1:<port>`, without credentials. */
  readonly url: string
  /** Every message received so far, oldest first. */
  readonly messages: () => ReadonlyArray<ReceivedMail>
  /**
   * The oldest message to `to` (an envelope recipient, compared case-insensitively) that no earlier call
   * returned, waiting up to `timeoutMs` (default 5 000) for it to arrive. Each message is handed out once, so
   * a test that sends twice and waits twice gets both, in order, whether they arrived before or after the call.
   */
  readonly waitFor: (to: string, timeoutMs?: number) => Promise<ReceivedMail>
  /** Client connections open right now. */
  readonly openConnections: () => number
  /** Stops listening, fails pending `waitFor`s and drops connections still open after a short grace. */
  readonly close: () => Promise<void>
}

const addressOf = (value: string): string => {
  const bracketed = /<([^<>]*)>\s*$/.exec(value)
  return (bracketed?.[1] ?? value).trim().toLowerCase()
}

// ---- MIME, just enough for what nodemailer sends ----

const decodeBytes = (bytes: Uint8Array, charset: string): string => {
  try {
    return new TextDecoder(charset).decode(bytes)
  } catch {
    return new TextDecoder("utf-8").decode(bytes)
  }
}

const latin1Bytes = (text: string): Uint8Array => Uint8Array.from(text, (char) => char.charCodeAt(0) & 0xff)

const quotedPrintableBytes = (text: string, inHeader: boolean): Uint8Array => {
  const source = inHeader ? text.replace(/_/g, " ") : text.replace(/[ \t]+(?=\r?\n)/g, "").replace(/=\r?\n/g, "")
  const bytes: Array<number> = []
  for (let i = 0; i < source.length; i++) {
    const char = source[i]!
    const hex = char === "=" ? source.slice(i + 1, i + 3) : ""
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16))
      i += 2
    } else {
      bytes.push(char.charCodeAt(0) & 0xff)
    }
  }
  return Uint8Array.from(bytes)
}

const base64Bytes = (text: string): Uint8Array => Buffer.from(text.replace(/[^A-Za-z0-9+/=]/g, ""), "base64")

/** RFC 2047: adjacent encoded words join without the space between them, and may split one character. */
const decodeWords = (value: string): string => {
  const word = /=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=/g
  let out = ""
  let last = 0
  let pending: { charset: string; bytes: Array<number> } | undefined
  const flush = () => {
    if (pending !== undefined) out += decodeBytes(Uint8Array.from(pending.bytes), pending.charset)
    pending = undefined
  }
  for (const match of value.matchAll(word)) {
    const between = value.slice(last, match.index)
    if (pending === undefined || !/^\s*$/.test(between)) {
      flush()
      out += between
    }
    const charset = match[1]!.replace(/\*.*$/, "").toLowerCase()
    const bytes = match[2]!.toUpperCase() === "B" ? base64Bytes(match[3]!) : quotedPrintableBytes(match[3]!, true)
    if (pending !== undefined && pending.charset !== charset) flush()
    pending ??= { charset, bytes: [] }
    pending.bytes.push(...bytes)
    last = match.index + match[0].length
  }
  flush()
  return out + value.slice(last)
}

interface Entity {
  readonly headers: ReadonlyMap<string, string>
  readonly body: string
}

const splitEntity = (raw: string): Entity => {
  const blank = /\r?\n\r?\n/.exec(raw)
  const head = blank === null ? raw : raw.slice(0, blank.index)
  const body = blank === null ? "" : raw.slice(blank.index + blank[0].length)
  const headers = new Map<string, string>()
  for (const line of head.replace(/\r?\n(?=[ \t])/g, "").split(/\r?\n/)) {
    const colon = line.indexOf(":")
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim().toLowerCase()
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim())
  }
  return { headers, body }
}

const headerValue = (value: string | undefined) => {
  const [first = "", ...rest] = (value ?? "").split(";")
  const params = new Map<string, string>()
  for (const param of rest) {
    const eq = param.indexOf("=")
    if (eq < 0) continue
    params.set(param.slice(0, eq).trim().toLowerCase(), param.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1"))
  }
  return { value: first.trim().toLowerCase(), params }
}

const decodeBody = (entity: Entity, charset: string): string => {
  const encoding = (entity.headers.get("content-transfer-encoding") ?? "7bit").trim().toLowerCase()
  const bytes = encoding === "base64"
    ? base64Bytes(entity.body)
    : encoding === "quoted-printable"
    ? quotedPrintableBytes(entity.body, false)
    : latin1Bytes(entity.body)
  // SMTP carries CRLF; callers compare with the \n-separated strings they sent.
  return decodeBytes(bytes, charset).replace(/\r\n/g, "\n")
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&")

const textParts = (entity: Entity, found: { text?: string; html?: string }): void => {
  const type = headerValue(entity.headers.get("content-type") ?? "text/plain")
  if (type.value.startsWith("multipart/")) {
    const boundary = type.params.get("boundary")
    if (boundary === undefined) return
    const delimiter = `--${boundary}`
    // The CRLF before each delimiter belongs to the delimiter, not to the part before it.
    const sections = `\r\n${entity.body}`.split(new RegExp(`\\r?\\n${escapeRegExp(delimiter)}`))
    for (const section of sections.slice(1)) {
      if (section.startsWith("--")) break
      textParts(splitEntity(section.replace(/^[ \t]*\r?\n/, "")), found)
    }
    return
  }
  if (headerValue(entity.headers.get("content-disposition")).value === "attachment") return
  const charset = type.params.get("charset") ?? "utf-8"
  if (type.value === "text/plain" && found.text === undefined) found.text = decodeBody(entity, charset)
  if (type.value === "text/html" && found.html === undefined) found.html = decodeBody(entity, charset)
}

/** Reads a message as nodemailer writes it: headers, multipart/alternative, quoted-printable or base64. */
export const parseMail = (
  raw: string,
  envelope: ReceivedMail["envelope"] = { from: "", to: [] }
): ReceivedMail => {
  const entity = splitEntity(raw)
  const found: { text?: string; html?: string } = {}
  textParts(entity, found)
  // Headers are read as latin1 like the rest; raw UTF-8 in them (SMTPUTF8) is turned back into text first.
  const headers = new Map(
    [...entity.headers].map(([name, value]) => [name, decodeWords(decodeBytes(latin1Bytes(value), "utf-8"))])
  )
  return {
    envelope,
    from: headers.get("from") ?? "",
    to: headers.get("to") ?? "",
    subject: headers.get("subject") ?? "",
    text: found.text,
    html: found.html,
    headers,
    raw
  }
}

// ---- the server ----

const smtpError = (message: string, responseCode: number) => Object.assign(new Error(message), { responseCode })

/** A real SMTP server on 127.0.0.1 and a free port, clear text, AUTH optional. */
export const startSmtpPeer = async (options: SmtpPeerOptions = {}): Promise<SmtpPeer> => {
  const received: Array<ReceivedMail> = []
  const handedOut = new Set<ReceivedMail>()
  const waiters = new Set<{ readonly to: string; readonly deliver: (mail: ReceivedMail) => void; readonly fail: (error: Error) => void }>()
  let closed = false

  const untakenTo = (to: string) =>
    received.find((mail) => !handedOut.has(mail) && mail.envelope.to.some((recipient) => addressOf(recipient) === to))

  const offer = (mail: ReceivedMail) => {
    for (const waiter of waiters) {
      if (mail.envelope.to.some((recipient) => addressOf(recipient) === waiter.to)) {
        handedOut.add(mail)
        waiter.deliver(mail)
        return
      }
    }
  }

  const serverOptions: SMTPServerOptions = {
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 250,
    onAuth: (auth, _session, callback) => {
      const users = options.users
      const username = auth.username ?? ""
      if (users === undefined || (Object.hasOwn(users, username) && users[username] === auth.password)) {
        callback(null, { user: username })
      } else {
        callback(smtpError("Invalid username or password", 535))
      }
    },
    onRcptTo: (address, _session, callback) => {
      if (options.rejectRecipient?.(address.address) === true) {
        callback(smtpError(`<${address.address}>: Recipient address rejected`, 550))
      } else {
        callback()
      }
    },
    onData: (stream, session, callback) => {
      const chunks: Array<Buffer> = []
      stream.on("data", (chunk: Buffer) => chunks.push(chunk))
      stream.on("error", (error: Error) => callback(error))
      stream.on("end", () => {
        const mailFrom = session.envelope.mailFrom
        const mail = parseMail(Buffer.concat(chunks).toString("latin1"), {
          from: mailFrom === false ? "" : mailFrom.address,
          to: session.envelope.rcptTo.map((recipient) => recipient.address)
        })
        received.push(mail)
        offer(mail)
        callback()
      })
    }
  }
  const server = new SMTPServer(serverOptions)
  // A client dropping mid-session is routine in these tests (timeouts, interrupted sends).
  server.on("error", () => {})
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      server.server.off("error", reject)
      resolve()
    })
  })
  const port = (server.server.address() as AddressInfo).port

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages: () => [...received],
    openConnections: () => server.connections.size,
    waitFor: (to, timeoutMs = 5_000) => {
      const address = addressOf(to)
      const ready = untakenTo(address)
      if (ready !== undefined) {
        handedOut.add(ready)
        return Promise.resolve(ready)
      }
      if (closed) return Promise.reject(new Error(`smtpPeer on port ${port} is closed`))
      return new Promise<ReceivedMail>((resolve, reject) => {
        const waiter = {
          to: address,
          deliver: (mail: ReceivedMail) => {
            clearTimeout(timer)
            waiters.delete(waiter)
            resolve(mail)
          },
          fail: (error: Error) => {
            clearTimeout(timer)
            waiters.delete(waiter)
            reject(error)
          }
        }
        const timer = setTimeout(() => {
          const seen = received.map((mail) => mail.envelope.to.join(",")).join("; ") || "none"
          waiter.fail(new Error(`no new mail to ${address} within ${timeoutMs} ms (received for: ${seen})`))
        }, timeoutMs)
        waiters.add(waiter)
      })
    },
    close: () => {
      if (closed) return Promise.resolve()
      closed = true
      for (const waiter of waiters) waiter.fail(new Error(`smtpPeer on port ${port} closed while waiting for ${waiter.to}`))
      return new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

/** The peer as a scoped resource: started when acquired, closed with the scope. */
export const smtpPeerWith = (options: SmtpPeerOptions = {}) =>
  Effect.acquireRelease(
    Effect.promise(() => startSmtpPeer(options)),
    (peer) => Effect.promise(() => peer.close())
  )

export const smtpPeer = smtpPeerWith()
