import { afterAll, assert, beforeAll, describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import net from "node:net"
import type { OAuthProviderOptions } from "../../../src/adapters/oauth/OAuthProviderOptions.ts"
import * as OpenIdProviderClient from "../../../src/adapters/oauth/OpenIdProviderClient.ts"
import { appleProfile } from "../../../src/adapters/oauth/providers/apple.ts"
import { github } from "../../../src/adapters/oauth/providers/github.ts"
import { ProviderId, type TokenSet } from "../../../src/domain/Account.ts"
import type { ProviderClient } from "../../../src/ports/ProviderClient.ts"
import { cookieJar, type OidcPeer, startOidcPeer } from "../../support/oidcPeer.ts"
import { expectTag } from "../../support/expectTag.ts"

// ---------------------------------------------------------------- fixtures

const secret = "a-client-secret-long-enough-for-hs256-0123456789"
/** Nothing listens there: the provider never sees the callback, the test reads it from the redirect. */
const redirectUri = "http://127.0.0.1:9/auth/callback/idp"

const ecKey = generateKeyPairSync("ec", { namedCurve: "P-256" })
const clientJwk = { ...ecKey.privateKey.export({ format: "jwk" }), kty: "EC", kid: "client-key-1" }
const clientPublicJwk = { ...ecKey.publicKey.export({ format: "jwk" }), kid: "client-key-1", alg: "ES256", use: "sig" }

const accounts = [
  {
    sub: "alice",
    claims: {
      email: "alice@example.com",
      email_verified: true,
      name: "Alice Liddell",
      picture: "https://img.example.com/alice.png"
    }
  },
  { sub: "bob", claims: { email: "bob@example.com", email_verified: false, nickname: "bobby" } },
  { sub: "carol", claims: { email: "carol@example.com", preferred_username: "carol" } }
]

let peer: OidcPeer
beforeAll(async () => {
  peer = await startOidcPeer({
    accounts,
    clients: [
      { clientId: "authfx-basic", clientSecret: secret, auth: "client_secret_basic", redirectUris: [redirectUri] },
      { clientId: "authfx-post", clientSecret: secret, auth: "client_secret_post", redirectUris: [redirectUri] },
      { clientId: "authfx-jwt", auth: "private_key_jwt", redirectUris: [redirectUri], jwks: { keys: [clientPublicJwk] } }
    ]
  })
})
afterAll(async () => {
  await peer.stop()
  // The provider never failed on its own side: every refusal above was a protocol answer.
  expect(peer.serverErrors).toEqual([])
})

const idp = ProviderId.make("idp")

const basic = (overrides: Partial<OAuthProviderOptions> = {}): OAuthProviderOptions => ({
  id: "idp",
  name: "Test IdP",
  type: "oidc",
  trustEmail: false,
  clientId: "authfx-basic",
  clientSecret: Redacted.make(secret),
  clientAuth: "client_secret_basic",
  issuer: peer.issuer,
  ...overrides
})

const clientOf = (
  providers: ReadonlyArray<OAuthProviderOptions>,
  transport: OpenIdProviderClient.LayerOptions = {}
) => OpenIdProviderClient.make(providers, transport)

/** authorize, then the person at the provider (approves by default), then the callback's parameters. */
const startFlow = (client: ProviderClient["Service"], account = "alice", decision: "approve" | "deny" = "approve") =>
  Effect.gen(function*() {
    const request = yield* client.authorize(idp, { redirectUri })
    const callback = yield* Effect.promise(() => peer.signIn(request.url, { account, decision }))
    return { request, callback }
  })

/** The whole sign-in: the callback's tokens and the profile it proved. */
const signIn = (client: ProviderClient["Service"], account = "alice") =>
  Effect.gen(function*() {
    const { request, callback } = yield* startFlow(client, account)
    return yield* client.callback(idp, { redirectUri, params: callback.params, checks: request.checks })
  })

const signedIn = (client: ProviderClient["Service"], account = "alice") =>
  Effect.map(signIn(client, account), (result) => result.tokens)

const value = (secret: Redacted.Redacted<string> | null) => (secret === null ? "" : Redacted.value(secret))

/** What no error may carry: tokens, codes, state, addresses. */
const assertCarriesNothing = (error: unknown, secrets: ReadonlyArray<string>) => {
  const visible = `${String(error)} ${JSON.stringify(error)} ${(error as Error).message ?? ""}`
  for (const secret of secrets) if (secret.length >= 6) assert.notInclude(visible, secret)
  assert.notInclude(visible, "alice@example.com")
}

const randomVerifier = () => randomBytes(32).toString("base64url")

// ---------------------------------------------------------------- stand-in servers

interface Reply {
  readonly status: number
  readonly body: string
  readonly type?: string
}

/** A plain HTTP server on 127.0.0.1; `reply` answers each request, or null to never answer it. */
const httpServer = (reply: (req: IncomingMessage, body: string) => Reply | null) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<{ server: ReturnType<typeof createServer>; sockets: Set<net.Socket>; url: string }>((resolve) => {
        const sockets = new Set<net.Socket>()
        const server = createServer((req: IncomingMessage, res: ServerResponse) => {
          const chunks: Array<Buffer> = []
          req.on("data", (chunk: Buffer) => chunks.push(chunk))
          req.on("end", () => {
            const answer = reply(req, Buffer.concat(chunks).toString("utf8"))
            if (answer === null) return
            res.writeHead(answer.status, { "content-type": answer.type ?? "application/json" })
            res.end(answer.body)
          })
        })
        server.on("connection", (socket) => {
          sockets.add(socket)
          socket.on("close", () => sockets.delete(socket))
        })
        server.listen(0, "127.0.0.1", () =>
          resolve({ server, sockets, url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` }))
      })
    ),
    ({ server, sockets }) =>
      Effect.promise(() =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy()
          server.close(() => resolve())
        })
      )
  ).pipe(Effect.map(({ url }) => url))

/** Accepts connections and never says a word. */
const silentServer = Effect.acquireRelease(
  Effect.promise(() =>
    new Promise<{ server: net.Server; sockets: Set<net.Socket>; url: string }>((resolve) => {
      const sockets = new Set<net.Socket>()
      const server = net.createServer((socket) => {
        sockets.add(socket)
        socket.on("error", () => {})
      })
      server.listen(0, "127.0.0.1", () =>
        resolve({ server, sockets, url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` }))
    })
  ),
  ({ server, sockets }) =>
    Effect.promise(() =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
    )
).pipe(Effect.map(({ url }) => url))

/** A provider configured with explicit endpoints, its token endpoint at `tokenUrl`. */
const staticOAuth = (tokenUrl: string, overrides: Partial<OAuthProviderOptions> = {}): OAuthProviderOptions => ({
  id: "idp",
  name: "Stand-in",
  type: "oauth",
  trustEmail: false,
  clientId: "authfx-basic",
  clientSecret: Redacted.make(secret),
  endpoints: { authorization: `${tokenUrl}/authorize`, token: `${tokenUrl}/token`, userinfo: `${tokenUrl}/user` },
  timeoutMillis: 1_000,
  ...overrides
})

/** A callback as a plain OAuth 2 provider would send it, for a flow started with `client.authorize`. */
const forgedCallback = (client: ProviderClient["Service"]) =>
  Effect.gen(function*() {
    const request = yield* client.authorize(idp, { redirectUri })
    return { redirectUri, params: { code: "a-code-0123456789", state: request.checks.state }, checks: request.checks }
  })

const timedFailure = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.map(Effect.timed(Effect.flip(effect)), ([elapsed, error]) => ({ millis: Duration.toMillis(elapsed), error }))

// ---------------------------------------------------------------- tests

describe("OpenIdProviderClient against oidc-provider", () => {
  describe("sign-in", () => {
    it.live("authorize sends state, PKCE S256, nonce and the OpenID scope", () =>
      Effect.gen(function*() {
        const client = yield* clientOf([basic()])
        const { url, checks } = yield* client.authorize(idp, { redirectUri, params: { login_hint: "alice", state: "mine" } })
        const query = new URL(url).searchParams
        expect(url.startsWith(`${peer.issuer}/auth?`)).toBe(true)
        expect(Object.fromEntries(query)).toMatchObject({
          client_id: "authfx-basic",
          redirect_uri: redirectUri,
          response_type: "code",
          scope: "openid profile email",
          state: checks.state,
          nonce: checks.nonce,
          code_challenge: createHash("sha256").update(checks.codeVerifier).digest("base64url"),
          code_challenge_method: "S256",
          login_hint: "alice"
        })
        expect([checks.state.length >= 43, checks.codeVerifier.length >= 43, (checks.nonce ?? "").length >= 43])
          .toEqual([true, true, true])
      }))

    it.live("client_secret_basic: code for tokens, then the profile from the ID token and userinfo", () =>
      Effect.gen(function*() {
        const client = yield* clientOf([basic()])
        const { request, callback } = yield* startFlow(client)
        expect(callback.params["iss"]).toBe(peer.issuer)
        const before = Date.now()
        const userinfoCalls = peer.hits("/me")
        const { tokens, profile } = yield* client.callback(idp, { redirectUri, params: callback.params, checks: request.checks })
        expect([tokens.accessToken, tokens.refreshToken, tokens.idToken].every((t) => t !== null)).toBe(true)
        expect(tokens.tokenType).toBe("bearer")
        expect(tokens.scope).toBe("openid profile email")
        const expiresIn = (tokens.expiresAt?.getTime() ?? 0) - before
        expect(expiresIn > 3_590_000 && expiresIn <= 3_601_000).toBe(true)
        expect(String(tokens.accessToken)).not.toContain(value(tokens.accessToken))

        expect(profile).toEqual({
          id: "alice",
          name: "Alice Liddell",
          email: "alice@example.com",
          emailVerified: true,
          image: "https://img.example.com/alice.png"
        })
        // oidc-provider keeps scope claims out of the ID token of a code flow: they came from userinfo.
        expect(peer.hits("/me")).toBe(userinfoCalls + 1)
      }))

    it.live("client_secret_post and private_key_jwt clients sign in and refresh", () =>
      Effect.gen(function*() {
        const post = basic({ clientId: "authfx-post", clientAuth: "client_secret_post" })
        const { clientSecret: _none, ...withoutSecret } = basic({ clientId: "authfx-jwt" })
        const jwt: OAuthProviderOptions = { ...withoutSecret, clientAuth: "private_key_jwt", privateKeyJwk: clientJwk }
        for (const options of [post, jwt]) {
          const client = yield* clientOf([options])
          const tokens = yield* signedIn(client)
          expect((yield* client.profile(idp, tokens)).id).toBe("alice")
          const refreshed = yield* client.refresh(idp, tokens.refreshToken!)
          expect(value(refreshed.accessToken)).not.toBe(value(tokens.accessToken))
        }
      }))

    it.live("an address is verified only when the provider says email_verified: true", () =>
      Effect.gen(function*() {
        const client = yield* clientOf([basic()])
        const bob = (yield* signIn(client, "bob")).profile
        expect(bob).toEqual({ id: "bob", name: "bobby", email: "bob@example.com", emailVerified: false, image: null })
        const carol = (yield* signIn(client, "carol")).profile
        expect(carol).toEqual({ id: "carol", name: "carol", email: "carol@example.com", emailVerified: false, image: null })
      }))

    it.live("response_mode=form_post: the callback's form fields complete the sign-in", () =>
      Effect.gen(function*() {
        const client = yield* clientOf([basic({ responseMode: "form_post" })])
        const request = yield* client.authorize(idp, { redirectUri })
        expect(new URL(request.url).searchParams.get("response_mode")).toBe("form_post")
        const callback = yield* Effect.promise(() => peer.signIn(request.url, { account: "alice" }))
        expect([callback.method, callback.url]).toEqual(["POST", redirectUri])
        const { profile } = yield* client.callback(idp, { redirectUri, params: callback.params, checks: request.checks })
        expect(profile.email).toBe("alice@example.com")
      }))

    it.live("callback fields a preset keeps reach its mapping (Apple's user); a forged id_token field is ignored", () =>
      Effect.gen(function*() {
        const client = yield* clientOf([basic({ responseMode: "form_post", profileParams: ["user"], profile: appleProfile })])
        const { request, callback } = yield* startFlow(client)
        const params = {
          ...callback.params,
          user: JSON.stringify({ name: { firstName: "Alice", lastName: "Liddell" }, email: "alice@example.com" }),
          id_token: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJtYWxsb3J5In0."
        }
        const { profile } = yield* client.callback(idp, { redirectUri, params, checks: request.checks })
        expect(profile).toEqual({
          id: "alice",
          name: "Alice Liddell",
          email: "alice@example.com",
          emailVerified: true,
          image: null
        })
      }))

    it.live("concurrent first requests share one discovery, through the fetch given to the layer", () =>
      Effect.gen(function*() {
        let calls = 0
        const countingFetch: typeof fetch = (input, init) => {
          calls++
          return fetch(input, init)
        }
        const client = yield* clientOf([basic()], { fetch: countingFetch })
        const before = peer.hits("/.well-known/openid-configuration")
        yield* Effect.all(Array.from({ length: 8 }, () => client.authorize(idp, { redirectUri })), { concurrency: "unbounded" })
        expect(peer.hits("/.well-known/openid-configuration")).toBe(before + 1)
        expect(calls).toBe(1)
      }))

    it.live("tokens that did not come from this callback get their profile from userinfo alone", () =>
      Effect.gen(function*() {
        const client = yield* clientOf([basic()])
        const stored: TokenSet = { ...(yield* signedIn(client)) }
        expect((yield* client.profile(idp, stored)).id).toBe("alice")
      }))

    it.live("without discovery: explicit endpoints, the issuer and the JWKS", () =>
      Effect.gen(function*() {
        const { issuer: _discovered, ...rest } = basic()
        const client = yield* clientOf([{
          ...rest,
          issuer: peer.issuer,
          endpoints: {
            authorization: `${peer.issuer}/auth`,
            token: `${peer.issuer}/token`,
            userinfo: `${peer.issuer}/me`,
            jwks: `${peer.issuer}/jwks`
          }
        }])
        const discoveries = peer.hits("/.well-known/openid-configuration")
        const tokens = yield* signedIn(client)
        expect((yield* client.profile(idp, tokens)).email).toBe("alice@example.com")
        expect(peer.hits("/.well-known/openid-configuration")).toBe(discoveries)
        // No revocation endpoint configured: revoking tells nobody, and the token stays good.
        yield* client.revoke(idp, tokens.accessToken!)
        expect(peer.isTokenActive(value(tokens.accessToken))).toBe(true)
      }))

    it.effect("expiresAt is the Clock's now plus expires_in", () =>
      Effect.gen(function*() {
        yield* TestClock.setTime(Date.UTC(2030, 0, 1))
        const client = yield* clientOf([basic()])
        const tokens = yield* signedIn(client)
        expect(tokens.expiresAt?.toISOString()).toBe("2030-01-01T01:00:00.000Z")
      }))
  })

  describe("checks", () => {
    const refused = (
      client: ProviderClient["Service"],
      tamper: (flow: { params: Record<string, string>; checks: { state: string; codeVerifier: string; nonce: string | null } }) => void
    ) =>
      Effect.gen(function*() {
        const { request, callback } = yield* startFlow(client)
        const flow = { params: { ...callback.params }, checks: { ...request.checks } }
        tamper(flow)
        const error = yield* Effect.flip(client.callback(idp, { redirectUri, ...flow }))
        assertCarriesNothing(error, [callback.params["code"] ?? "", request.checks.state, request.checks.codeVerifier])
        return error
      })

    it.live("a wrong or missing state", () =>
      Effect.gen(function*() {
        const client = yield* clientOf([basic()])
        const wrong = yield* refused(client, (flow) => void (flow.params["state"] = "someone-elses-state-value"))
        expect(expectTag(wrong, "ProviderCheckFailed").check).toBe("state")
        const missing = yield* refused(client, (flow) => void delete flow.params["state"])
        expect(expectTag(missing, "ProviderCheckFailed").check).toBe("state")
      }))

    it.live("an error response with the wrong state is not taken for a denial", () =>
      Effect.gen(function*() {
        const client = yield* clientOf([basic()])
        const error = yield* refused(client, (flow) => {
          flow.params = { error: "access_denied", state: "forged", iss: peer.issuer }
        })
        expect(expectTag(error, "ProviderCheckFailed").check).toBe("state")
      }))

    it.live("RFC 9207: a wrong or missing iss", () =>
      Effect.gen(function*() {
        const client = yield* clientOf([basic()])
        const wrong = yield* refused(client, (flow) => void (flow.params["iss"] = "https://evil.example.com"))
        expect(expectTag(wrong, "ProviderCheckFailed").check).toBe("issuer")
        // The provider's metadata promises iss, so its absence is a mix-up too.
        const missing = yield* refused(client, (flow) => void delete flow.params["iss"])
        expect(expectTag(missing, "ProviderCheckFailed").check).toBe("issuer")
      }))

    it.live("a wrong PKCE verifier", () =>
      Effect.gen(function*() {
        const client = yield* clientOf([basic()])
        const error = yield* refused(client, (flow) => void (flow.checks.codeVerifier = randomVerifier()))
        expect(expectTag(error, "ProviderCheckFailed").check).toBe("pkce")
        const none = yield* refused(client, (flow) => void (flow.checks.codeVerifier = ""))
        expect(expectTag(none, "ProviderCheckFailed").check).toBe("pkce")
      }))

    it.live("a code from another flow, sent with this flow's state", () =>
      Effect.gen(function*() {
        const client = yield* clientOf([basic()])
        const attacker = yield* startFlow(client)
        const victim = yield* client.authorize(idp, { redirectUri })
        const error = yield* Effect.flip(client.callback(idp, {
          redirectUri,
          params: { code: attacker.callback.params["code"]!, state: victim.checks.state, iss: peer.issuer },
          checks: victim.checks
        }))
        // The nonce of the victim's flow would not match either, but PKCE refuses the code first.
        expect(expectTag(error, "ProviderCheckFailed").check).toBe("pkce")
      }))

    it.live("a replayed code is refused, and what the first exchange got is revoked", () =>
      Effect.gen(function*() {
        const client = yield* clientOf([basic()])
        const { request, callback } = yield* startFlow(client)
        const input = { redirectUri, params: callback.params, checks: request.checks }
        const first = (yield* client.callback(idp, input)).tokens
        const error = yield* Effect.flip(client.callback(idp, input))
        expect(expectTag(error, "ProviderCheckFailed").check).toBe("code")
        assertCarriesNothing(error, [callback.params["code"]!, value(first.accessToken)])
        expect(peer.isTokenActive(value(first.accessToken))).toBe(false)
      }))

    it.live("a wrong or missing nonce", () =>
      Effect.gen(function*() {
        const client = yield* clientOf([basic()])
        const wrong = yield* refused(client, (flow) => void (flow.checks.nonce = randomVerifier()))
        expect(expectTag(wrong, "ProviderCheckFailed").check).toBe("nonce")
        const missing = yield* refused(client, (flow) => void (flow.checks.nonce = null))
        expect(expectTag(missing, "ProviderCheckFailed").check).toBe("nonce")
      }))

    it.live("no code and no error", () =>
      Effect.gen(function*() {
        const client = yield* clientOf([basic()])
        const error = yield* refused(client, (flow) => void delete flow.params["code"])
        expect(expectTag(error, "ProviderCheckFailed").check).toBe("code")
      }))

    it.live("the person cancels at the login page, or denies consent: access_denied", () =>
      Effect.gen(function*() {
        const client = yield* clientOf([basic()])
        const { request, callback } = yield* startFlow(client, "alice", "deny")
        expect(callback.params["error"]).toBe("access_denied")
        const denied = yield* Effect.flip(client.callback(idp, { redirectUri, params: callback.params, checks: request.checks }))
        expect(expectTag(denied, "ProviderDenied").error).toBe("access_denied")

        // Signed in at the provider already (same browser), the person now refuses consent for a new client.
        const other = yield* clientOf([basic({ clientId: "authfx-post", clientAuth: "client_secret_post" })])
        const login = yield* other.authorize(idp, { redirectUri })
        const jar = cookieJar()
        yield* Effect.promise(() => peer.signIn(login.url, { account: "alice", jar }))
        const again = yield* client.authorize(idp, { redirectUri })
        const atConsent = yield* Effect.promise(() => peer.signIn(again.url, { account: "alice", jar, decision: "deny" }))
        const refusedConsent = yield* Effect.flip(client.callback(idp, {
          redirectUri,
          params: atConsent.params,
          checks: again.checks
        }))
        expect(expectTag(refusedConsent, "ProviderDenied").error).toBe("access_denied")
      }))

    it.live("an ID token signed with keys the provider does not publish", () =>
      Effect.gen(function*() {
        const otherKey = { ...generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ format: "jwk" }) }
        const jwks = yield* httpServer(() => ({ status: 200, body: JSON.stringify({ keys: [otherKey] }) }))
        const { issuer: _discovered, ...rest } = basic()
        const client = yield* clientOf([{
          ...rest,
          issuer: peer.issuer,
          endpoints: { authorization: `${peer.issuer}/auth`, token: `${peer.issuer}/token`, jwks: `${jwks}/jwks` }
        }])
        const { request, callback } = yield* startFlow(client)
        const error = yield* Effect.flip(client.callback(idp, { redirectUri, params: callback.params, checks: request.checks }))
        expect(expectTag(error, "ProviderCheckFailed").check).toBe("idToken")
      }))
  })

  describe("refresh and revoke", () => {
    it.live("a refresh rotates the refresh token; the spent one is then refused", () =>
      Effect.gen(function*() {
        const client = yield* clientOf([basic()])
        const tokens = yield* signedIn(client)
        const refreshed = yield* client.refresh(idp, tokens.refreshToken!)
        expect(refreshed.refreshToken).not.toBeNull()
        expect(value(refreshed.refreshToken)).not.toBe(value(tokens.refreshToken))
        expect(refreshed.expiresAt).not.toBeNull()
        expect(peer.isTokenActive(value(refreshed.accessToken))).toBe(true)
        const spent = yield* Effect.flip(client.refresh(idp, tokens.refreshToken!))
        expect(spent._tag).toBe("InvalidGrant")
        assertCarriesNothing(spent, [value(tokens.refreshToken)])
      }))

    it.live("a grant the user revoked at the provider: InvalidGrant", () =>
      Effect.gen(function*() {
        const client = yield* clientOf([basic()])
        const tokens = yield* signedIn(client)
        peer.revokeAllTokens()
        expect((yield* Effect.flip(client.refresh(idp, tokens.refreshToken!)))._tag).toBe("InvalidGrant")
        expect((yield* Effect.flip(client.refresh(idp, Redacted.make(""))))._tag).toBe("InvalidGrant")
      }))

    it.live("revoke: RFC 7009 at the provider's revocation endpoint", () =>
      Effect.gen(function*() {
        const client = yield* clientOf([basic()])
        const tokens = yield* signedIn(client)
        yield* client.revoke(idp, tokens.accessToken!)
        expect(peer.isTokenActive(value(tokens.accessToken))).toBe(false)
        yield* client.revoke(idp, tokens.refreshToken!)
        expect(peer.isTokenActive(value(tokens.refreshToken))).toBe(false)
        expect((yield* Effect.flip(client.refresh(idp, tokens.refreshToken!)))._tag).toBe("InvalidGrant")
        // Revoking what is already gone is no error (RFC 7009 §2.2).
        yield* client.revoke(idp, tokens.refreshToken!)
      }))
  })

  describe("failures", () => {
    it.live("an unknown provider id", () =>
      Effect.gen(function*() {
        const client = yield* clientOf([basic()])
        const other = ProviderId.make("nope")
        const tokens = yield* signedIn(client)
        const errors = [
          yield* Effect.flip(client.authorize(other, { redirectUri })),
          yield* Effect.flip(client.callback(other, { redirectUri, params: {}, checks: { state: "", codeVerifier: "", nonce: null } })),
          yield* Effect.flip(client.profile(other, tokens)),
          yield* Effect.flip(client.refresh(other, tokens.refreshToken!)),
          yield* Effect.flip(client.revoke(other, tokens.refreshToken!))
        ]
        expect(errors.map((e) => e._tag)).toEqual(Array(5).fill("UnknownProvider"))
      }))

    it.live("options that cannot make a client fail at start-up", () =>
      Effect.gen(function*() {
        const cases: ReadonlyArray<OAuthProviderOptions> = [
          basic({ id: "Not An Id" }),
          { ...basic(), issuer: undefined as never },
          basic({ clientAuth: "private_key_jwt" }),
          basic({ checks: [] }),
          basic({ scope: "profile email" }),
          basic({ type: "oauth" }),
          basic({ privateKeyJwk: { kty: "EC", crv: "P-256", x: "x", y: "y" }, clientAuth: "private_key_jwt" })
        ]
        for (const options of cases) {
          const error = yield* Effect.flip(clientOf([options]))
          expect(error._tag).toBe("InvalidProviderOptions")
          assert.notInclude(JSON.stringify(error), secret)
        }
        expect((yield* Effect.flip(clientOf([basic(), basic()])))._tag).toBe("InvalidProviderOptions")
      }))

    it.live("a provider that stopped: ProviderUnavailable at once, and it works again when it is back", () =>
      Effect.gen(function*() {
        const client = yield* clientOf([basic()])
        const { request, callback } = yield* startFlow(client)
        const tokens = yield* signedIn(client)
        yield* Effect.promise(() => peer.stop())
        try {
          const input = { redirectUri, params: callback.params, checks: request.checks }
          for (const failing of [client.callback(idp, input), client.profile(idp, tokens), client.refresh(idp, tokens.refreshToken!)]) {
            const { millis, error } = yield* timedFailure(failing as Effect.Effect<unknown, { readonly _tag: string }>)
            expect(error._tag).toBe("ProviderUnavailable")
            expect(millis).toBeLessThan(2_000)
          }
          const revoke = yield* timedFailure(client.revoke(idp, tokens.accessToken!))
          expect(revoke.error._tag).toBe("ProviderUnavailable")
        } finally {
          yield* Effect.promise(() => peer.restart())
        }
        expect((yield* client.refresh(idp, tokens.refreshToken!)).accessToken).not.toBeNull()
      }))

    it.live("a provider down at start-up: the layer builds, and discovery is retried on the next request", () =>
      Effect.gen(function*() {
        yield* Effect.promise(() => peer.stop())
        const exit = yield* Effect.exit(Effect.gen(function*() {
          const client = yield* clientOf([basic()])
          const down = yield* Effect.flip(client.authorize(idp, { redirectUri }))
          expect(down._tag).toBe("ProviderUnavailable")
          yield* Effect.promise(() => peer.restart())
          const request = yield* client.authorize(idp, { redirectUri })
          expect(request.url.startsWith(peer.issuer)).toBe(true)
        }))
        yield* Effect.promise(() => peer.restart())
        assert.isTrue(Exit.isSuccess(exit), String(exit))
      }))

    it.live("an issuer that accepts the connection and never answers: ProviderUnavailable within the timeout", () =>
      Effect.gen(function*() {
        const silent = yield* silentServer
        const client = yield* clientOf([basic({ issuer: silent, timeoutMillis: 500 })])
        const { millis, error } = yield* timedFailure(client.authorize(idp, { redirectUri }))
        expect(expectTag(error, "ProviderUnavailable").message).toContain("did not answer within 500 ms")
        expect(millis).toBeGreaterThanOrEqual(450)
        expect(millis).toBeLessThan(3_000)
      }))

    it.live("a token endpoint that never answers: ProviderUnavailable within the timeout", () =>
      Effect.gen(function*() {
        const silent = yield* silentServer
        const client = yield* clientOf([staticOAuth(silent, { timeoutMillis: 500 })])
        const { millis, error } = yield* timedFailure(Effect.flatMap(forgedCallback(client), (input) => client.callback(idp, input)))
        expect(error._tag).toBe("ProviderUnavailable")
        expect(millis).toBeLessThan(3_000)
      }))

    it.live("token endpoint answers that cannot be used", () =>
      Effect.gen(function*() {
        const cases: ReadonlyArray<{ readonly reply: Reply; readonly tag: string; readonly check?: string }> = [
          { reply: { status: 200, body: "{\"access_token\": \"at-1\", \"token_type\": " }, tag: "ProviderResponseInvalid" },
          { reply: { status: 200, body: "not json at all", type: "text/plain" }, tag: "ProviderResponseInvalid" },
          { reply: { status: 200, body: "{\"token_type\": \"bearer\"}" }, tag: "ProviderResponseInvalid" },
          { reply: { status: 200, body: "[1, 2, 3]" }, tag: "ProviderResponseInvalid" },
          { reply: { status: 503, body: "<html>down for maintenance</html>", type: "text/html" }, tag: "ProviderUnavailable" },
          { reply: { status: 500, body: "{\"error\": \"server_error\"}" }, tag: "ProviderUnavailable" },
          { reply: { status: 401, body: "{\"error\": \"invalid_client\"}" }, tag: "ProviderUnavailable" },
          { reply: { status: 404, body: "not found", type: "text/plain" }, tag: "ProviderResponseInvalid" },
          { reply: { status: 400, body: "{\"error\": \"invalid_grant\"}" }, tag: "ProviderCheckFailed", check: "code" },
          // GitHub's way of refusing a used code: 200 with an error body.
          { reply: { status: 200, body: "{\"error\": \"bad_verification_code\"}" }, tag: "ProviderCheckFailed", check: "code" }
        ]
        for (const { reply, tag, check } of cases) {
          const url = yield* httpServer(() => reply)
          const client = yield* clientOf([staticOAuth(url)])
          const input = yield* forgedCallback(client)
          const error = yield* Effect.flip(client.callback(idp, input))
          expect([reply.body, error._tag]).toEqual([reply.body, tag])
          if (check !== undefined) expect(expectTag(error, "ProviderCheckFailed").check).toBe(check)
          assertCarriesNothing(error, [input.params.code, input.checks.state, input.checks.codeVerifier])
        }
      }))

    it.live("a discovery document that is garbage, or names another issuer: ProviderUnavailable", () =>
      Effect.gen(function*() {
        const garbage = yield* httpServer(() => ({ status: 200, body: "{ this is not json" }))
        const impostor = yield* httpServer(() => ({
          status: 200,
          body: JSON.stringify({ issuer: "https://elsewhere.example.com", authorization_endpoint: "https://x/auth" })
        }))
        for (const issuer of [garbage, impostor]) {
          const client = yield* clientOf([basic({ issuer })])
          expect((yield* Effect.flip(client.authorize(idp, { redirectUri })))._tag).toBe("ProviderUnavailable")
        }
      }))

    it.live("a loopback http issuer needs no flag; the same issuer at an address elsewhere is refused before any request", () =>
      Effect.gen(function*() {
        // The peer is on 127.0.0.1 over plain http, allowed without any flag (every endpoint is loopback);
        // named by a non-loopback address, the same provider is refused when the client is made.
        const refused = yield* Effect.flip(clientOf([basic({ issuer: peer.issuer.replace("127.0.0.1", "198.51.100.7") })]))
        expect(expectTag(refused, "InvalidProviderOptions").message).toContain("issuer (http://198.51.100.7")
        expect((yield* signedIn(yield* clientOf([basic()]))).accessToken).not.toBeNull()
      }))
  })
})

// ---------------------------------------------------------------- plain OAuth 2

/**
 * A GitHub Enterprise stand-in on 127.0.0.1 for the plain OAuth 2 path: it issues codes bound to a PKCE
 * challenge, answers like GitHub (a refused code is `200 {"error": "bad_verification_code"}`), and serves
 * /api/v3/user and /api/v3/user/emails for its one access token.
 */
const gitHubStandIn = Effect.gen(function*() {
  const codes = new Map<string, { readonly challenge: string; used: boolean }>()
  const accessToken = `gho_${randomBytes(16).toString("hex")}`
  let userStatus = 200
  const url = yield* httpServer((req, body) => {
    const path = new URL(req.url ?? "/", "http://x").pathname
    const bearer = req.headers.authorization === `Bearer ${accessToken}`
    switch (path) {
      case "/login/oauth/access_token": {
        const form = new URLSearchParams(body)
        // RFC 6749 §2.3.1: both halves form-urlencoded before base64.
        const [id = "", password = ""] = Buffer.from((req.headers.authorization ?? "").replace(/^Basic /, ""), "base64")
          .toString("utf8").split(":").map((part) => decodeURIComponent(part.replace(/\+/g, " ")))
        if (id !== "gh-client" || password !== secret) return { status: 401, body: "{\"error\": \"invalid_client\"}" }
        const code = codes.get(form.get("code") ?? "")
        const verifier = form.get("code_verifier") ?? ""
        if (code === undefined || code.used || createHash("sha256").update(verifier).digest("base64url") !== code.challenge) {
          return { status: 200, body: JSON.stringify({ error: "bad_verification_code", error_description: "The code passed is incorrect or expired." }) }
        }
        code.used = true
        return { status: 200, body: JSON.stringify({ access_token: accessToken, token_type: "bearer", scope: "read:user,user:email" }) }
      }
      case "/api/v3/user":
        return !bearer
          ? { status: 401, body: "{\"message\": \"Bad credentials\"}" }
          : userStatus !== 200
          ? { status: userStatus, body: "{}" }
          : { status: 200, body: JSON.stringify({ login: "octocat", id: 583231, name: "The Octocat", email: null, avatar_url: "https://avatars.example.com/u/583231" }) }
      case "/api/v3/user/emails":
        return bearer
          ? { status: 200, body: JSON.stringify([{ email: "octocat@github.com", primary: true, verified: true, visibility: "private" }]) }
          : { status: 401, body: "{}" }
      default:
        return { status: 404, body: "{}" }
    }
  })
  return {
    url,
    /** The person approves at GitHub: a code for the authorization URL's PKCE challenge. */
    approve: (authorizationUrl: string) => {
      const code = randomBytes(10).toString("hex")
      codes.set(code, { challenge: new URL(authorizationUrl).searchParams.get("code_challenge") ?? "", used: false })
      return code
    },
    setUserStatus: (status: number) => void (userStatus = status)
  }
})

describe("OpenIdProviderClient with a plain OAuth 2 provider (the GitHub preset)", () => {
  const gh = ProviderId.make("github")
  const githubClient = (url: string) =>
    clientOf([github({ clientId: "gh-client", clientSecret: Redacted.make(secret), enterpriseUrl: url, timeoutMillis: 2_000 })])

  it.live("sign-in, then /user and /user/emails for the verified primary address", () =>
    Effect.gen(function*() {
      const standIn = yield* gitHubStandIn
      const client = yield* githubClient(standIn.url)
      const request = yield* client.authorize(gh, { redirectUri })
      expect(request.url.startsWith(`${standIn.url}/login/oauth/authorize?`)).toBe(true)
      expect(request.checks.nonce).toBeNull()
      expect(new URL(request.url).searchParams.get("scope")).toBe("read:user user:email")
      const params = { code: standIn.approve(request.url), state: request.checks.state }
      const { tokens, profile } = yield* client.callback(gh, { redirectUri, params, checks: request.checks })
      expect([tokens.idToken, tokens.refreshToken, tokens.expiresAt, tokens.scope]).toEqual([null, null, null, "read:user,user:email"])
      expect(profile).toEqual({
        id: "583231",
        name: "The Octocat",
        email: "octocat@github.com",
        emailVerified: true,
        image: "https://avatars.example.com/u/583231"
      })
      // A used code, refused GitHub's way.
      const replay = yield* Effect.flip(client.callback(gh, { redirectUri, params, checks: request.checks }))
      expect(expectTag(replay, "ProviderCheckFailed").check).toBe("code")
      // GitHub has no RFC 7009 endpoint: nothing to do.
      yield* client.revoke(gh, tokens.accessToken!)
    }))

  it.live("a wrong PKCE verifier is refused as a code GitHub does not accept", () =>
    Effect.gen(function*() {
      const standIn = yield* gitHubStandIn
      const client = yield* githubClient(standIn.url)
      const request = yield* client.authorize(gh, { redirectUri })
      const params = { code: standIn.approve(request.url), state: request.checks.state }
      const error = yield* Effect.flip(client.callback(gh, {
        redirectUri,
        params,
        checks: { ...request.checks, codeVerifier: randomVerifier() }
      }))
      // GitHub does not say why; the check that failed cannot be named more precisely than the code.
      expect(expectTag(error, "ProviderCheckFailed").check).toBe("code")
    }))

  it.live("profile requests the provider refuses or fails", () =>
    Effect.gen(function*() {
      const standIn = yield* gitHubStandIn
      const client = yield* githubClient(standIn.url)
      const request = yield* client.authorize(gh, { redirectUri })
      const params = { code: standIn.approve(request.url), state: request.checks.state }
      const { tokens } = yield* client.callback(gh, { redirectUri, params, checks: request.checks })
      const forged: TokenSet = { ...tokens, accessToken: Redacted.make("gho_forged") }
      expect((yield* Effect.flip(client.profile(gh, forged)))._tag).toBe("ProviderResponseInvalid")
      standIn.setUserStatus(502)
      expect((yield* Effect.flip(client.profile(gh, tokens)))._tag).toBe("ProviderUnavailable")
    }))
})
