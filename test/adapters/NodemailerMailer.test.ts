import { assert, describe, expect, it } from "@effect/vitest"
import { Context, Duration, Effect, Layer, Redacted } from "effect"
import net from "node:net"
import * as NodemailerMailer from "../../src/adapters/mail/NodemailerMailer.ts"
import { magicLinkMessage } from "../../src/domain/magicLinkMessage.ts"
import { type MailMessage, Mailer, type MailerError } from "../../src/ports/Mailer.ts"
import { parseMail, smtpPeerWith, startSmtpPeer } from "../support/smtpPeer.ts"

const mailerFrom = (options: NodemailerMailer.Options) =>
  Effect.map(Layer.build(NodemailerMailer.layer(options)), (context) => Context.get(context, Mailer))

const recipient = () => `ada.${crypto.randomUUID().slice(0, 8)}@example.com`

// Long enough that quoted-printable must wrap it, with the `=` and `&` that encoding rewrites.
const linkFor = (to: string) =>
  "http://127.0.0.1:3000/auth/callback/email?callbackUrl=" +
  encodeURIComponent("http://127.0.0.1:3000/dashboard?tab=security&view=full") +
  `&token=${"9f".repeat(48)}&email=${encodeURIComponent(to)}&extra==&&=`

const messageTo = (to: string): MailMessage =>
  magicLinkMessage({ to, from: "Authfx <no-reply@example.com>", url: linkFor(to), host: "127.0.0.1:3000", validForHours: 24 })

/** What no error may carry: the address, the link, its token. */
const assertCarriesNothingOf = (error: MailerError, message: MailMessage, secrets: ReadonlyArray<string> = []) => {
  const token = "9f".repeat(48)
  const visible = [error.message, String(error), JSON.stringify(error), String(error.cause), JSON.stringify(error.cause) ?? ""]
  for (const text of visible) {
    for (const secret of [message.to, linkFor(message.to), token, ...secrets]) {
      assert.notInclude(text, secret)
    }
  }
}

const timedFailure = (effect: Effect.Effect<void, MailerError>) =>
  Effect.map(Effect.timed(Effect.flip(effect)), ([elapsed, error]) => ({ millis: Duration.toMillis(elapsed), error }))

/** A port with nothing listening on it. */
const closedPort = Effect.promise(() =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
)

/** A TCP server on 127.0.0.1; `onSocket` decides how (badly) it talks. Closed, sockets and all, with the scope. */
const tcpServer = (onSocket: (socket: net.Socket) => void) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<{ readonly port: number; readonly server: net.Server; readonly sockets: Set<net.Socket> }>(
        (resolve) => {
          const sockets = new Set<net.Socket>()
          const server = net.createServer((socket) => {
            sockets.add(socket)
            socket.on("error", () => {})
            socket.on("close", () => sockets.delete(socket))
            onSocket(socket)
          })
          server.listen(0, "127.0.0.1", () => resolve({ port: (server.address() as net.AddressInfo).port, server, sockets }))
        }
      )
    ),
    ({ server, sockets }) =>
      Effect.promise(() =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy()
          server.close(() => resolve())
        })
      )
  ).pipe(Effect.map(({ port }) => port))

describe("NodemailerMailer", () => {
  describe("delivery", () => {
    it.live("a magic-link mail arrives through an smtp:// url with both parts exactly as sent", () =>
      Effect.gen(function*() {
        const peer = yield* smtpPeerWith()
        const mailer = yield* mailerFrom({ url: Redacted.make(peer.url) })
        const to = recipient()
        const message = messageTo(to)
        yield* mailer.send(message)
        const mail = yield* Effect.promise(() => peer.waitFor(to))
        assert.deepStrictEqual(mail.envelope, { from: "no-reply@example.com", to: [to] })
        assert.strictEqual(mail.from, message.from)
        assert.strictEqual(mail.to, to)
        assert.strictEqual(mail.subject, message.subject)
        assert.strictEqual(mail.text, Redacted.value(message.text))
        assert.strictEqual(mail.html, Redacted.value(message.html))
        assert.include(mail.text, linkFor(to))
        // The round trip only proves something if the link really went through quoted-printable and got wrapped.
        assert.match(mail.raw, /Content-Transfer-Encoding: quoted-printable/i)
        assert.notInclude(mail.raw, linkFor(to))
        assert.match(mail.raw, /=\r\n/)
      }))

    it.live("through host and port with credentials", () =>
      Effect.gen(function*() {
        const peer = yield* smtpPeerWith({ users: { mailer: "s3cret-pass" } })
        const mailer = yield* mailerFrom({
          host: "127.0.0.1",
          port: peer.port,
          auth: { user: "mailer", pass: Redacted.make("s3cret-pass") },
          timeoutMillis: 2_000
        })
        const to = recipient()
        const message = messageTo(to)
        yield* mailer.send(message)
        const mail = yield* Effect.promise(() => peer.waitFor(to))
        assert.strictEqual(mail.subject, message.subject)
        assert.strictEqual(mail.text, Redacted.value(message.text))
        assert.strictEqual(mail.html, Redacted.value(message.html))
      }))

    it.live("credentials in the url are percent-decoded", () =>
      Effect.gen(function*() {
        const peer = yield* smtpPeerWith({ users: { "mailer@example.com": "p@ss:w/rd" } })
        const url = `smtp://${encodeURIComponent("mailer@example.com")}:${encodeURIComponent("p@ss:w/rd")}@127.0.0.1:${peer.port}`
        const mailer = yield* mailerFrom({ url: Redacted.make(url) })
        const to = recipient()
        yield* mailer.send(messageTo(to))
        assert.strictEqual((yield* Effect.promise(() => peer.waitFor(to))).envelope.to[0], to)
      }))

    it.live("non-ASCII subject and bodies survive (base64 parts, encoded-word subject)", () =>
      Effect.gen(function*() {
        const peer = yield* smtpPeerWith()
        const mailer = yield* mailerFrom({ url: Redacted.make(peer.url) })
        const to = recipient()
        // Mostly non-ASCII, so nodemailer picks base64 over quoted-printable for both parts.
        const text = `${"ログインしてください。".repeat(40)}\n\n${linkFor(to)}\n\nΚαλημέρα 👋\n`
        const message: MailMessage = {
          from: "Ådå Lövelace <no-reply@example.com>",
          to,
          subject: `Anmeldung bei Bücherstube — ${"日本語の件名".repeat(8)}`,
          text: Redacted.make(text),
          html: Redacted.make(`<p>${"ログイン".repeat(100)}</p>\n<a href="${linkFor(to).replaceAll("&", "&amp;")}">→</a>`)
        }
        yield* mailer.send(message)
        const mail = yield* Effect.promise(() => peer.waitFor(to))
        assert.lengthOf(mail.raw.match(/Content-Transfer-Encoding: base64/gi) ?? [], 2)
        assert.strictEqual(mail.from, message.from)
        assert.strictEqual(mail.subject, message.subject)
        assert.strictEqual(mail.text, text)
        assert.strictEqual(mail.html, Redacted.value(message.html))
      }))

    it.live("a pool sends concurrently and its connections close with the layer", () =>
      Effect.gen(function*() {
        const peer = yield* smtpPeerWith()
        const recipients = [recipient(), recipient(), recipient()]
        yield* Effect.scoped(Effect.gen(function*() {
          const mailer = yield* mailerFrom({ url: Redacted.make(peer.url), pool: true })
          yield* Effect.forEach(recipients, (to) => mailer.send(messageTo(to)), { concurrency: "unbounded" })
          assert.isAbove(peer.openConnections(), 0, "a pool keeps its connections between messages")
        }))
        for (const to of recipients) {
          assert.strictEqual((yield* Effect.promise(() => peer.waitFor(to))).text, Redacted.value(messageTo(to).text))
        }
        const deadline = Date.now() + 3_000
        while (peer.openConnections() > 0 && Date.now() < deadline) yield* Effect.sleep("20 millis")
        assert.strictEqual(peer.openConnections(), 0)
      }))
  })

  describe("failures are MailerErrors that carry no address, link or credential", () => {
    it.live.each([false, true])("nothing listening: fails at once (pool: %s)", (pool) =>
      Effect.gen(function*() {
        const port = yield* closedPort
        const mailer = yield* mailerFrom({ host: "127.0.0.1", port, pool })
        const message = messageTo(recipient())
        const { millis, error } = yield* timedFailure(mailer.send(message))
        assert.strictEqual(error._tag, "MailerError")
        assert.strictEqual(error.message, "could not connect to the SMTP server (ECONNREFUSED)")
        assert.isBelow(millis, 2_000)
        assertCarriesNothingOf(error, message)
      }))

    it.live("a server that accepts and never answers: fails after timeoutMillis", () =>
      Effect.gen(function*() {
        const port = yield* tcpServer(() => {})
        const mailer = yield* mailerFrom({ host: "127.0.0.1", port, timeoutMillis: 500 })
        const message = messageTo(recipient())
        const { millis, error } = yield* timedFailure(mailer.send(message))
        assert.strictEqual(error.message, "the SMTP server did not answer in time")
        assert.isAtLeast(millis, 400)
        assert.isBelow(millis, 2_000)
        assertCarriesNothingOf(error, message)
      }))

    it.live("a server that keeps talking but never finishes a reply: the whole send is bounded too", () =>
      Effect.gen(function*() {
        // Every byte resets the driver's inactivity timer, so only the adapter's own bound can end this.
        const port = yield* tcpServer((socket) => {
          socket.write("220 127.0.0.1 ESMTP\r\n")
          socket.once("data", () => {
            const drip = setInterval(() => socket.write("250-still thinking\r\n"), 100)
            socket.on("close", () => clearInterval(drip))
          })
        })
        const mailer = yield* mailerFrom({ host: "127.0.0.1", port, timeoutMillis: 500 })
        const message = messageTo(recipient())
        const { millis, error } = yield* timedFailure(mailer.send(message))
        assert.strictEqual(error.message, "the SMTP server did not finish the exchange in time")
        assert.isAtLeast(millis, 1_000)
        assert.isBelow(millis, 3_000)
        assertCarriesNothingOf(error, message)
      }))

    it.live.each([false, true])("a refused recipient: the reply code, not the reply, in the message (pool: %s)", (pool) =>
      Effect.gen(function*() {
        const peer = yield* smtpPeerWith({ rejectRecipient: (address) => address.startsWith("refused.") })
        const mailer = yield* mailerFrom({ url: Redacted.make(peer.url), pool })
        const message = messageTo(`refused.${recipient()}`)
        const error = yield* Effect.flip(mailer.send(message))
        assert.strictEqual(error.message, "the SMTP server refused the recipient (550)")
        assertCarriesNothingOf(error, message)
        // The scrubbed server reply stays for operators.
        assert.include(String(error.cause), "Recipient address rejected")
        assert.strictEqual((error.cause as { readonly responseCode?: unknown }).responseCode, 550)
        assert.lengthOf(peer.messages(), 0)
      }))

    it.live("refused credentials", () =>
      Effect.gen(function*() {
        const peer = yield* smtpPeerWith({ users: { mailer: "right-password" } })
        const mailer = yield* mailerFrom({
          url: Redacted.make(`smtp://mailer:wrong-password@127.0.0.1:${peer.port}`)
        })
        const message = messageTo(recipient())
        const error = yield* Effect.flip(mailer.send(message))
        assert.strictEqual(error.message, "the SMTP server refused the credentials (535)")
        assertCarriesNothingOf(error, message, ["wrong-password", "right-password"])
        assert.lengthOf(peer.messages(), 0)
      }))
  })

  describe("options", () => {
    const password = "hunter2-secret"
    const invalid: ReadonlyArray<readonly [string, NodemailerMailer.Options]> = [
      ["not a URL", { url: Redacted.make(`no url ${password}`) }],
      ["another scheme", { url: Redacted.make(`http://user:${password}@mail.example.test`) }],
      ["a url without a host", { url: Redacted.make(`smtp://`) }],
      ["a url with a query string", { url: Redacted.make(`smtp://u:${password}@mail.example.test?tls.rejectUnauthorized=false`) }],
      ["a url with a bad port", { url: Redacted.make(`smtp://u:${password}@mail.example.test:0`) }],
      ["badly percent-encoded credentials", { url: Redacted.make(`smtp://u:${password}%ZZ@mail.example.test`) }],
      ["a password without a user", { url: Redacted.make(`smtp://:${password}@mail.example.test`) }],
      ["an empty host", { host: "", port: 587 }],
      ["a host with spaces", { host: "mail example", port: 587 }],
      ["port 0", { host: "mail.example.test", port: 0 }],
      ["port 65536", { host: "mail.example.test", port: 65_536 }],
      ["a fractional port", { host: "mail.example.test", port: 25.5 }],
      ["an empty user", { host: "mail.example.test", port: 587, auth: { user: "", pass: Redacted.make(password) } }],
      ["timeoutMillis 0", { host: "mail.example.test", port: 587, timeoutMillis: 0 }],
      ["timeoutMillis NaN", { host: "mail.example.test", port: 587, timeoutMillis: Number.NaN }],
      ["timeoutMillis past an hour", { host: "mail.example.test", port: 587, timeoutMillis: 2 ** 31 }]
    ]
    for (const [name, options] of invalid) {
      it.live(`${name} fails the layer with InvalidMailerOptions`, () =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(mailerFrom(options))
          assert.strictEqual(error._tag, "InvalidMailerOptions")
          assert.isNotEmpty(error.message)
          assert.notInclude(error.message, password)
        }))
    }

    it.live("building the layer does not connect: an unreachable server is found out at send time", () =>
      Effect.gen(function*() {
        const port = yield* closedPort
        const mailer = yield* mailerFrom({ url: Redacted.make(`smtps://u:p@127.0.0.1:${port}`), pool: true })
        assert.strictEqual((yield* Effect.flip(mailer.send(messageTo(recipient()))))._tag, "MailerError")
      }))
  })
})

describe("smtpPeer (the test peer other suites read links from)", () => {
  it("waitFor hands out each mail once, oldest first, whether it arrived before or after the call", async () => {
    const peer = await startSmtpPeer()
    try {
      const to = recipient()
      const send = (subject: string) =>
        Effect.runPromise(Effect.scoped(Effect.gen(function*() {
          const mailer = yield* mailerFrom({ url: Redacted.make(peer.url) })
          yield* mailer.send({ ...messageTo(to), subject })
        })))
      const early = peer.waitFor(to.toUpperCase())
      await send("first")
      await send("second")
      assert.strictEqual((await early).subject, "first")
      assert.strictEqual((await peer.waitFor(to)).subject, "second", "arrived before this call, not handed out yet")
      await expect(peer.waitFor(to, 100)).rejects.toThrow(/no new mail to/)
      assert.lengthOf(peer.messages(), 2)
    } finally {
      await peer.close()
    }
  })

  it("close fails pending waits instead of leaving them hanging", async () => {
    const peer = await startSmtpPeer()
    const waiting = peer.waitFor("nobody@example.com", 10_000)
    const outcome = waiting.then(() => "delivered", (error: Error) => error.message)
    await peer.close()
    assert.match(await outcome, /closed while waiting/)
    await expect(peer.waitFor("nobody@example.com")).rejects.toThrow(/is closed/)
  })

  it("parseMail reads a single text part and folded, split encoded words", () => {
    const raw = [
      "From: =?UTF-8?B?w4VkYQ==?= <ada@example.com>",
      "Subject: =?UTF-8?Q?Gr=C3=BC?=",
      " =?UTF-8?Q?=C3=9Fe_=E2=9C?= =?UTF-8?Q?=93?= done",
      "Content-Type: text/plain; charset=\"utf-8\"",
      "Content-Transfer-Encoding: quoted-printable",
      "",
      "a=3Db&c  ",
      "soft=",
      "break",
      ""
    ].join("\r\n")
    const mail = parseMail(raw)
    assert.strictEqual(mail.from, "Åda <ada@example.com>")
    assert.strictEqual(mail.subject, "Grüße ✓ done")
    assert.strictEqual(mail.text, "a=b&c\nsoftbreak\n")
    assert.isUndefined(mail.html)
  })
})
