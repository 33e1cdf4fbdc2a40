/**
 * The OpenID Provider goes away: in the middle of a sign-in, before authfx starts, and while a token
 * needs refreshing. authfx answers at once with the Auth.js error code (never a hang, never a 5xx) and
 * works again when the provider is back.
 */
import { Redacted } from "effect"
import { createServer, type Server, type Socket } from "node:net"
import { afterAll, describe, expect, it } from "vitest"
import { type OidcAuth, serveOidcAuth, sessionCookie, untilExpired } from "../../support/oidcAuth.ts"
import { type OidcPeer, startOidcPeer } from "../../support/oidcPeer.ts"

const people = ["olga", "omar", "otto"].map((sub) => ({
  sub,
  claims: { email: `${sub}@idp.example`, email_verified: true, name: sub }
}))
/** The bound on each request to a provider that hangs; a refused connection must fail far sooner than this. */
const timeoutMillis = 2_000

const served: Array<OidcAuth> = []
const peers: Array<OidcPeer> = []
const fresh = async (options: { readonly accessTokenSeconds?: number; readonly timeoutMillis?: number } = {}) => {
  const peer = await startOidcPeer({
    accounts: people,
    ...(options.accessTokenSeconds === undefined ? {} : { ttl: { accessToken: options.accessTokenSeconds } })
  })
  peers.push(peer)
  const idp = options.timeoutMillis === undefined ? { id: "idp" } : { id: "idp", timeoutMillis: options.timeoutMillis }
  const t = await serveOidcAuth(peer, { idps: [idp], overrides: { accessTokenSkewSeconds: 0 } })
  served.push(t)
  return { peer, t }
}

afterAll(async () => {
  await Promise.all(served.map((s) => s.close()))
  await Promise.all(peers.map((p) => p.stop()))
  expect(served.flatMap((s) => s.exchanges()).filter((exchange) => exchange.status >= 500)).toEqual([])
  expect(peers.flatMap((p) => p.serverErrors)).toEqual([])
})

const timed = async <A>(work: () => Promise<A>) => {
  const start = performance.now()
  const result = await work()
  return { result, millis: performance.now() - start }
}

/** Listens on `port` and accepts every connection without ever answering: a provider that hangs. */
const silentOn = async (port: number) => {
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on("error", () => {})
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => resolve())
  })
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}

describe.concurrent("the provider is down", () => {
  it("stopped between the person's approval and the callback → OAuthCallbackError at once; a sign-in works when it is back", async () => {
    const { peer, t } = await fresh()
    // A first sign-in, so authfx has the provider's metadata and keeps connections to it.
    await t.idpSignIn(t.browser(), "omar")

    const b = t.browser()
    const started = await t.startFlow(b)
    const callback = await peer.signIn(started.location, { account: "olga" })
    await peer.stop()
    try {
      const { result: response, millis } = await timed(() => b.get(callback.url))
      expect(response.status).toBe(302)
      expect(response.headers.get("location")).toBe(`${t.apiUrl}/signin?error=OAuthCallbackError`)
      expect(millis).toBeLessThan(timeoutMillis)
      expect(t.callbackFailures.at(-1)).toMatchObject({ tag: "ProviderUnavailable" })
      expect(b.cookies.has(sessionCookie)).toBe(false)
      expect(await t.session(b)).toBeNull()
      const page = await b.follow(response)
      expect(page.status).toBe(200)
    } finally {
      await peer.restart()
    }

    const again = await t.idpSignIn(b, "olga")
    expect(again.location).toBe(`${t.origin}/`)
    expect(await t.session(b)).toMatchObject({ user: { email: "olga@idp.example" } })
  })

  it("hanging (accepts the connection, never answers) at the callback → OAuthCallbackError after the timeout, no later", async () => {
    const { peer, t } = await fresh({ timeoutMillis })
    await t.idpSignIn(t.browser(), "omar")
    const b = t.browser()
    const started = await t.startFlow(b)
    const callback = await peer.signIn(started.location, { account: "olga" })
    await peer.stop()
    const silent = await silentOn(peer.port)
    try {
      const { result: response, millis } = await timed(() => b.get(callback.url))
      expect(response.headers.get("location")).toBe(`${t.apiUrl}/signin?error=OAuthCallbackError`)
      expect(millis).toBeGreaterThanOrEqual(timeoutMillis - 100)
      // The whole callback is bounded by a small multiple of the per-request timeout, never open-ended.
      expect(millis).toBeLessThan(2 * timeoutMillis)
      expect(t.callbackFailures.at(-1)).toMatchObject({
        tag: "ProviderUnavailable",
        message: `the provider did not answer within ${timeoutMillis} ms`
      })
      expect(await t.session(b)).toBeNull()
    } finally {
      await silent.close()
      await peer.restart()
    }
    expect((await t.idpSignIn(b, "olga")).location).toBe(`${t.origin}/`)
  })

  it("down when authfx starts: authfx starts, sign-in fails cleanly and fast; after restart a sign-in succeeds", async () => {
    const peer = await startOidcPeer({ accounts: people })
    peers.push(peer)
    await peer.stop()
    const t = await serveOidcAuth(peer)
    served.push(t)

    const b = t.browser()
    const providers = await b.get("/auth/providers")
    expect(providers.status).toBe(200)
    expect(await providers.json()).toMatchObject({ idp: { id: "idp", type: "oidc" } })
    expect((await b.get("/auth/signin")).status).toBe(200)

    for (let attempt = 0; attempt < 2; attempt++) {
      const { result: started, millis } = await timed(() => t.startFlow(b))
      expect(started.response.status).toBe(302)
      expect(started.location).toBe(`${t.apiUrl}/signin?error=OAuthCallbackError`)
      expect(millis).toBeLessThan(timeoutMillis)
    }
    expect(await t.session(b)).toBeNull()

    await peer.restart()
    const signedIn = await t.idpSignIn(b, "olga")
    expect(signedIn.location).toBe(`${t.origin}/`)
    expect(await t.session(b)).toMatchObject({ user: { email: "olga@idp.example" } })
  })

  it("down when a token needs refreshing: TokenRefreshFailed (not ReauthRequired); refreshed when it is back", async () => {
    const { peer, t } = await fresh({ accessTokenSeconds: 2 })
    await t.idpSignIn(t.browser(), "otto")
    const user = (await t.userOf("otto"))!
    const account = (await t.account("otto"))!
    await untilExpired(account)
    await peer.stop()
    try {
      const { result: error, millis } = await timed(() => t.getAccessTokenError(user.id))
      expect(error._tag).toBe("TokenRefreshFailed")
      expect(millis).toBeLessThan(timeoutMillis)
      // The refresh token is not known to be dead: the account keeps it and is not marked.
      const kept = (await t.account("otto"))!
      expect(kept.needsReauth).toBe(false)
      expect(Redacted.value(kept.refreshToken!)).toBe(Redacted.value(account.refreshToken!))
    } finally {
      await peer.restart()
    }
    const token = await t.getAccessToken(user.id)
    expect(token).not.toBe(Redacted.value(account.accessToken!))
    expect(peer.isTokenActive(token)).toBe(true)
  })
})
