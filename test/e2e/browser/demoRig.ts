/**
 * The demo server as `npm start` runs it, wired to real peers on 127.0.0.1: an OpenID Provider
 * (oidc-provider) as provider `idp`, an SMTP server for the magic links, the credentials account, and an
 * SQLite file in a temporary directory. Everything is configured the way an operator would: through
 * the environment variables the demo reads.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startDemo } from "../../../src/demo/server.ts"
import { type OidcPeer, startOidcPeer } from "../../support/oidcPeer.ts"
import { type SmtpPeer, startSmtpPeer } from "../../support/smtpPeer.ts"

export const idpAccount = {
  sub: "alice",
  claims: { email: "alice@idp.example", email_verified: true, name: "Alice Liddell" }
} as const

export const demoAccount = { username: "grace", password: "correct horse battery staple", email: "grace@demo.example" } as const

export const idpName = "Test IdP"

export interface DemoRig {
  /** `http://127.0.0.1:<port>` (or `localhost`): the home page is `${origin}/`. */
  readonly origin: string
  /** AUTH_URL: `${origin}/auth`. */
  readonly authUrl: string
  readonly oidc: OidcPeer
  readonly smtp: SmtpPeer
  /** Stops whatever was started, in reverse order; safe after a partial start and when called twice. */
  readonly stop: () => Promise<void>
}

/** A port nothing listens on right now (AUTH_URL must name the port before the demo starts). */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer()
    probe.once("error", reject)
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      probe.close(() => resolve(port))
    })
  })

/**
 * `host`: the name in AUTH_URL (and so the origin the browser uses); the demo listens on 127.0.0.1 either way.
 * WebAuthn needs `localhost` (a secure context whose name is a valid RP ID; an IP address is not).
 */
export const startDemoRig = async (options: { readonly host?: "127.0.0.1" | "localhost" } = {}): Promise<DemoRig> => {
  const stops: Array<() => Promise<void>> = []
  const stop = async () => {
    const errors: Array<unknown> = []
    for (const step of stops.splice(0).reverse()) {
      await step().catch((error: unknown) => errors.push(error))
    }
    if (errors.length > 0) throw new AggregateError(errors, "stopping the demo rig")
  }
  try {
    const dir = mkdtempSync(join(tmpdir(), "authfx-browser-"))
    stops.push(async () => rmSync(dir, { recursive: true, force: true }))
    const port = await freePort()
    const origin = `http://${options.host ?? "127.0.0.1"}:${port}`
    const authUrl = `${origin}/auth`
    const clientSecret = "browser-e2e-client-secret-0123456789abcdef"
    const oidc = await startOidcPeer({
      accounts: [idpAccount],
      clients: [{
        clientId: "authfx-demo",
        clientSecret,
        auth: "client_secret_basic",
        redirectUris: [`${authUrl}/callback/idp`]
      }]
    })
    stops.push(oidc.stop)
    const smtp = await startSmtpPeer()
    stops.push(smtp.close)
    const demo = await startDemo({
      PORT: String(port),
      HOST: "127.0.0.1",
      AUTH_URL: authUrl,
      AUTH_SECRET: "4HbLZKs/T5xTebRf/1swaHsQxa/4nEpRt+kielgyxxje",
      OIDC_ISSUER: oidc.issuer,
      OIDC_CLIENT_ID: "authfx-demo",
      OIDC_CLIENT_SECRET: clientSecret,
      OIDC_NAME: idpName,
      SMTP_HOST: "127.0.0.1",
      SMTP_PORT: String(smtp.port),
      EMAIL_FROM: "authfx browser test <auth@127.0.0.1>",
      DEMO_USERNAME: demoAccount.username,
      DEMO_PASSWORD: demoAccount.password,
      DEMO_EMAIL: demoAccount.email,
      AUTHFX_DB_FILE: join(dir, "authfx.sqlite")
    })
    if (demo === undefined) throw new Error("startDemo refused its configuration (see the log above)")
    stops.push(async () => {
      // Keep-alive connections from the browser would hold server.close() open.
      demo.server.closeAllConnections()
      await demo.stop()
    })
    return { origin, authUrl, oidc, smtp, stop }
  } catch (error) {
    await stop().catch(() => {})
    throw error
  }
}
