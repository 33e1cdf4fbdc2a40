import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import type { OAuthProviderOptions } from "../../../src/adapters/oauth/OAuthProviderOptions.ts"
import * as OpenIdProviderClient from "../../../src/adapters/oauth/OpenIdProviderClient.ts"
import { createAuth } from "../../../src/compose/createAuth.ts"
import { ProviderId } from "../../../src/domain/Account.ts"
import { expectTag } from "../../support/expectTag.ts"

/**
 * Through the real openid-client adapter: a provider endpoint at plain http on another machine never
 * receives a request (the client secret, a code, a token would cross the network in clear). Requests to
 * anything but 127.0.0.1 are answered by `network` below, which records what would have been sent.
 */

const clientSecret = "Zt7bq0Jx2mWc9LrVf4KpHs8yNd1GaE6uTo3iQwXe5Rk="
const idp = ProviderId.make("idp")
const redirectUri = "http://127.0.0.1:9/auth/callback/idp"

interface Sent {
  readonly url: string
  readonly authorization: string | null
  readonly body: string
}

/** The network as the adapter sees it: 127.0.0.1 for real, every other host answered here and recorded. */
const recordingNetwork = () => {
  const sent: Array<Sent> = []
  const fetchThrough: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    const headers = new Headers(init?.headers)
    sent.push({ url: url.href, authorization: headers.get("authorization"), body: String(init?.body ?? "") })
    if (url.hostname === "127.0.0.1") return fetch(input, init)
    const json = url.pathname.endsWith("/token")
      ? { access_token: "at-from-elsewhere", token_type: "bearer" }
      : { id: "someone", email: "someone@example.com" }
    return new Response(JSON.stringify(json), { status: 200, headers: { "content-type": "application/json" } })
  }
  return { sent, fetch: fetchThrough, reached: (host: string) => sent.filter((s) => new URL(s.url).hostname === host) }
}

/** A node:http server on 127.0.0.1 answering JSON by path; its origin is passed to `routes`. */
const localServer = (routes: (origin: string) => Readonly<Record<string, unknown>>) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<{ readonly server: ReturnType<typeof createServer>; readonly origin: string }>((resolve) => {
        let origin = ""
        const server = createServer((req, res) => {
          req.resume()
          const answer = routes(origin)[new URL(req.url ?? "/", origin).pathname]
          res.writeHead(answer === undefined ? 404 : 200, { "content-type": "application/json" })
          res.end(JSON.stringify(answer ?? {}))
        })
        server.listen(0, "127.0.0.1", () => {
          origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
          resolve({ server, origin })
        })
      })
    ),
    ({ server }) => Effect.promise(() => new Promise<void>((resolve) => server.close(() => resolve())))
  ).pipe(Effect.map(({ origin }) => origin))

const plainOAuth = (endpoints: OAuthProviderOptions["endpoints"], overrides: Partial<OAuthProviderOptions> = {}): OAuthProviderOptions => ({
  id: "idp",
  name: "Stand-in",
  type: "oauth",
  trustEmail: false,
  clientId: "authfx-client",
  clientSecret: Redacted.make(clientSecret),
  clientAuth: "client_secret_basic",
  timeoutMillis: 2_000,
  ...(endpoints === undefined ? {} : { endpoints }),
  ...overrides
})

/** A callback as the provider would send it, for a flow the client started. */
const callbackAfter = (client: Effect.Success<ReturnType<typeof OpenIdProviderClient.make>>) =>
  Effect.gen(function*() {
    const request = yield* client.authorize(idp, { redirectUri })
    return yield* client.callback(idp, {
      redirectUri,
      params: { code: "a-code-0123456789", state: request.checks.state ?? "" },
      checks: request.checks
    })
  })

describe("plain http to another machine is never used for a provider", () => {
  it.live("an explicit endpoint at http://192.0.2.2 is refused when the client is made, before any request", () =>
    Effect.gen(function*() {
      const network = recordingNetwork()
      const provider = plainOAuth({
        authorization: "https://id.example.com/authorize",
        token: "http://192.0.2.2/token",
        userinfo: "https://api.example.com/user"
      })
      const error = yield* Effect.flip(OpenIdProviderClient.make([provider], { fetch: network.fetch }))
      expect(expectTag(error, "InvalidProviderOptions").message).toContain("token (http://192.0.2.2)")
      expect(network.sent).toEqual([])
    }))

  it("createAuth with such a provider does not start", async () => {
    const provider = plainOAuth({ authorization: "https://id.example.com/authorize", token: "http://192.0.2.2/token", userinfo: "https://api.example.com/user" })
    await expect(createAuth({ secret: clientSecret, http: { url: "https://app.example.com/auth" }, oauthProviders: [provider] }))
      .rejects.toMatchObject({ _tag: "InvalidProviderOptions", message: expect.stringContaining("http://192.0.2.2") })
  })

  it.live("an issuer at http on another machine is refused when the client is made", () =>
    Effect.gen(function*() {
      const network = recordingNetwork()
      const provider = plainOAuth(undefined, { type: "oidc", issuer: "http://192.0.2.2/realms/main" })
      const error = yield* Effect.flip(OpenIdProviderClient.make([provider], { fetch: network.fetch }))
      expect(expectTag(error, "InvalidProviderOptions").message).toContain("issuer (http://192.0.2.2)")
      expect(network.sent).toEqual([])
    }))

  it.live("a loopback issuer whose metadata names a token endpoint at http://192.0.2.2: refused at discovery, the secret never sent", () =>
    Effect.gen(function*() {
      const issuer = yield* localServer((origin) => ({
        "/.well-known/oauth-authorization-server": {
          issuer: origin,
          authorization_endpoint: `${origin}/authorize`,
          token_endpoint: "http://192.0.2.2/token",
          userinfo_endpoint: `${origin}/user`,
          response_types_supported: ["code"]
        }
      }))
      const network = recordingNetwork()
      const client = yield* OpenIdProviderClient.make(
        [plainOAuth(undefined, { issuer, userinfoRequest: (request) => Effect.map(request.get(`${issuer}/user`), () => ({})) })],
        { fetch: network.fetch }
      )
      const refused = yield* Effect.flip(client.authorize(idp, { redirectUri }))
      expect(expectTag(refused, "ProviderUnavailable").message).toContain("token_endpoint (http://192.0.2.2)")
      yield* Effect.flip(callbackAfter(client))
      // Only the discovery document was asked for (again by the second flow: a failed discovery is not kept).
      expect(network.reached("192.0.2.2")).toEqual([])
      expect(new Set(network.sent.map((s) => s.url))).toEqual(new Set([`${issuer}/.well-known/oauth-authorization-server`]))
    }))

  it.live("https endpoints and one at http://127.0.0.1: the loopback one works, a request to plain http elsewhere is not sent", () =>
    Effect.gen(function*() {
      const token = yield* localServer(() => ({ "/token": { access_token: "at-from-loopback", token_type: "bearer" } }))
      const network = recordingNetwork()
      let asked = 0
      const provider = plainOAuth(
        { authorization: "https://id.example.com/authorize", token: `${token}/token`, userinfo: "https://api.example.com/user" },
        {
          // A profile request of the application's own that strays to plain http on another machine.
          userinfoRequest: (request) =>
            Effect.andThen(Effect.sync(() => asked++), Effect.map(request.get("http://192.0.2.2/user"), () => ({})))
        }
      )
      const client = yield* OpenIdProviderClient.make([provider], { fetch: network.fetch })
      const error = yield* Effect.flip(callbackAfter(client))
      // The code went to the loopback token endpoint over plain http, and the access token came back.
      expect(network.reached("127.0.0.1").map((s) => new URL(s.url).pathname)).toEqual(["/token"])
      expect(asked).toBe(1)
      expect(expectTag(error, "ProviderUnavailable").message).toContain("not https and not on this machine")
      expect(network.reached("192.0.2.2")).toEqual([])
    }))
})
