import { describe, expect, it } from "vitest"
import { decideInsecureRequests, endpointKind, metadataEndpoints } from "../../../src/adapters/oauth/insecureRequests.ts"

describe("endpointKind: https, plain http to this machine, or refused", () => {
  it.each([
    ["https://id.example.com/token", "https"],
    ["HTTPS://ID.EXAMPLE.COM/token", "https"],
    ["http://127.0.0.1:8080/token", "loopbackHttp"],
    ["http://127.0.0.2/token", "loopbackHttp"],
    ["http://127.255.255.254/token", "loopbackHttp"],
    // The URL parser writes IPv4 in any spelling as dotted decimal: these are 127.0.0.1.
    ["http://127.1/token", "loopbackHttp"],
    ["http://0x7f000001/token", "loopbackHttp"],
    ["http://[::1]:9000/token", "loopbackHttp"],
    ["http://[0:0:0:0:0:0:0:1]/token", "loopbackHttp"],
    ["http://localhost/token", "loopbackHttp"],
    ["http://LOCALHOST:3000/token", "loopbackHttp"],
    // Not loopback, or not certainly: every one of these is refused.
    ["http://192.0.2.2/token", "refused"],
    ["http://id.example.com/token", "refused"],
    ["http://128.0.0.1/token", "refused"],
    ["http://0.0.0.0/token", "refused"],
    ["http://10.0.0.1/token", "refused"],
    // A trailing dot is another name, resolved by DNS rather than by the hosts file on some systems.
    ["http://localhost./token", "refused"],
    ["http://localhost.evil.com/token", "refused"],
    ["http://evil.localhost/token", "refused"],
    ["http://127.0.0.1.nip.io/token", "refused"],
    // Userinfo: the host is what follows the "@", and credentials in a URL would travel in clear.
    ["http://127.0.0.1@192.0.2.2/token", "refused"],
    ["http://localhost:80@evil.example/token", "refused"],
    ["http://user:password@127.0.0.1/token", "refused"],
    // IPv4-mapped IPv6 (::ffff:127.0.0.1 is written ::ffff:7f00:1): not one of the loopback spellings we take.
    ["http://[::ffff:127.0.0.1]/token", "refused"],
    ["http://[::ffff:192.0.2.2]/token", "refused"],
    ["http://[::]/token", "refused"],
    ["ftp://127.0.0.1/token", "refused"],
    ["file:///etc/passwd", "refused"],
    ["not a url", "refused"]
  ])("%s → %s", (url, kind) => {
    expect(endpointKind(url)).toBe(kind)
  })
})

describe("decideInsecureRequests: plain http for a provider only when every endpoint is https or on this machine", () => {
  it("all https: TLS only", () => {
    expect(decideInsecureRequests({
      authorization: "https://id.example.com/authorize",
      token: "https://id.example.com/token",
      userinfo: "https://api.example.com/me",
      revocation: undefined
    })).toEqual({ _tag: "HttpsOnly" })
  })

  it("a loopback http issuer (a development IdP): plain http allowed for this provider", () => {
    expect(decideInsecureRequests({ issuer: "http://127.0.0.1:4000" })).toEqual({ _tag: "LoopbackHttp" })
    expect(decideInsecureRequests({ issuer: "http://localhost:8080/realms/dev" })).toEqual({ _tag: "LoopbackHttp" })
  })

  it("a loopback issuer whose discovered metadata names a token endpoint on another machine: refused", () => {
    const discovered = metadataEndpoints({
      issuer: "http://127.0.0.1:4000",
      authorization_endpoint: "http://127.0.0.1:4000/auth",
      token_endpoint: "http://192.0.2.2/token",
      jwks_uri: "http://127.0.0.1:4000/jwks",
      scopes_supported: ["openid"]
    })
    const decision = decideInsecureRequests({ issuer: "http://127.0.0.1:4000", ...discovered })
    expect(decision).toMatchObject({ _tag: "Refused", endpoint: "token_endpoint" })
    expect(decision._tag === "Refused" && decision.message).toContain("http://192.0.2.2")
  })

  it("explicit endpoints mixing https and a non-loopback http one: refused, naming it", () => {
    const decision = decideInsecureRequests({
      authorization: "https://id.example.com/authorize",
      token: "http://192.0.2.2/token",
      userinfo: "https://api.example.com/me"
    })
    expect(decision).toMatchObject({ _tag: "Refused", endpoint: "token" })
  })

  it("https endpoints and one loopback http endpoint: plain http allowed for this provider", () => {
    expect(decideInsecureRequests({
      authorization: "https://id.example.com/authorize",
      token: "http://127.0.0.1:7000/token",
      userinfo: "https://api.example.com/me"
    })).toEqual({ _tag: "LoopbackHttp" })
  })

  it("a refusal never repeats credentials from the URL", () => {
    const decision = decideInsecureRequests({ token: "http://admin:hunter2-password@192.0.2.2/token" })
    expect(decision._tag).toBe("Refused")
    expect(JSON.stringify(decision)).not.toContain("hunter2")
    expect(JSON.stringify(decision)).not.toContain("admin")
  })

  it("metadataEndpoints takes every *_endpoint, jwks_uri and the mTLS aliases, nothing else", () => {
    expect(metadataEndpoints({
      issuer: "https://id.example.com",
      authorization_endpoint: "https://id.example.com/auth",
      token_endpoint: "https://id.example.com/token",
      introspection_endpoint: "https://id.example.com/introspect",
      jwks_uri: "https://id.example.com/jwks",
      op_policy_uri: "http://docs.example.com/policy",
      response_types_supported: ["code"],
      mtls_endpoint_aliases: { token_endpoint: "https://mtls.example.com/token", note: 1 },
      token_endpoint_auth_methods_supported: ["client_secret_basic"]
    })).toEqual({
      authorization_endpoint: "https://id.example.com/auth",
      token_endpoint: "https://id.example.com/token",
      introspection_endpoint: "https://id.example.com/introspect",
      jwks_uri: "https://id.example.com/jwks",
      "mtls_endpoint_aliases.token_endpoint": "https://mtls.example.com/token"
    })
  })

  it("an endpoint named in the metadata that is not a string is refused, not skipped", () => {
    expect(decideInsecureRequests(metadataEndpoints({ token_endpoint: 42 }))).toMatchObject({ _tag: "Refused", endpoint: "token_endpoint" })
  })
})
