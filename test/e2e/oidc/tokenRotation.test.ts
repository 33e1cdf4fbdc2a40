/**
 * Access-token refresh and refresh-token rotation against a real OpenID Provider with 2-second access
 * tokens: `getAccessToken` (through `auth.runtime`, as application code calls it) after real expiry,
 * many concurrent callers, two authfx nodes over one store, and a grant the user revoked at the provider.
 *
 * The provider's clock is the real one, so these tests wait for real expiry (about 2 s each) instead of
 * moving a TestClock; `accessTokenSkewSeconds: 0` makes authfx refresh exactly at expiry.
 */
import { Effect, Layer, Option, Redacted } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import * as MemoryLedger from "../../../src/adapters/memory/MemoryLedger.ts"
import * as MemoryUsers from "../../../src/adapters/memory/MemoryUsers.ts"
import { SqliteDatabase } from "../../../src/adapters/sqlite/SqliteDatabase.ts"
import * as SqliteLedger from "../../../src/adapters/sqlite/SqliteLedger.ts"
import * as SqliteUsers from "../../../src/adapters/sqlite/SqliteUsers.ts"
import type { AuthfxOptions } from "../../../src/compose/createAuth.ts"
import { type Account, ProviderId } from "../../../src/domain/Account.ts"
import { Ledger } from "../../../src/ports/Ledger.ts"
import { Users } from "../../../src/ports/Users.ts"
import { clientSecret, type OidcAuth, serveOidcAuth, untilExpired } from "../../support/oidcAuth.ts"
import { type OidcPeer, startOidcPeer } from "../../support/oidcPeer.ts"

const accessTokenSeconds = 2
const people = ["rita", "rob", "rex", "nina", "noah", "ruth", "gus", "sam"].map((sub) => ({
  sub,
  claims: { email: `${sub}@idp.example`, email_verified: true, name: sub }
}))

const served: Array<OidcAuth> = []
const peers: Array<OidcPeer> = []
const temporary: Array<string> = []

const startPeer = async (rotateRefreshTokens = true) => {
  const peer = await startOidcPeer({ accounts: people, ttl: { accessToken: accessTokenSeconds }, rotateRefreshTokens })
  peers.push(peer)
  return peer
}

const serve = async (peer: OidcPeer, overrides: Parameters<typeof serveOidcAuth>[1] = {}) => {
  const t = await serveOidcAuth(peer, {
    ...overrides,
    overrides: { accessTokenSkewSeconds: 0, ...overrides.overrides }
  })
  served.push(t)
  return t
}

/** A provider and an authfx of the test's own: the tests run concurrently and count the provider's requests. */
const fresh = async (options: { readonly rotateRefreshTokens?: boolean } = {}) => {
  const peer = await startPeer(options.rotateRefreshTokens ?? true)
  return { peer, t: await serve(peer) }
}

afterAll(async () => {
  await Promise.all(served.map((s) => s.close()))
  await Promise.all(peers.map((p) => p.stop()))
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true })
  expect(served.flatMap((s) => s.exchanges()).filter((exchange) => exchange.status >= 500)).toEqual([])
  expect(peers.flatMap((p) => p.serverErrors)).toEqual([])
})

const value = (secret: Redacted.Redacted<string> | null) => (secret === null ? "" : Redacted.value(secret))

/** Signs `sub` in through the REST API; their user and the account as stored. */
const signedIn = async (on: OidcAuth, sub: string) => {
  const { location } = await on.idpSignIn(on.browser(), sub)
  expect(location).toBe(`${on.origin}/`)
  const user = await on.userOf(sub)
  const account = await on.account(sub)
  if (user === undefined || account === undefined) throw new Error(`${sub} was not stored`)
  expect(account.expiresAt?.getTime()).toBeLessThanOrEqual(Date.now() + accessTokenSeconds * 1000)
  return { user, account }
}

describe.concurrent("getAccessToken against a provider with 2-second access tokens", () => {
  it("a fresh token is handed out as stored; after expiry it is refreshed, the rotated refresh token stored and used next time", async () => {
    const { peer, t } = await fresh()
    const { user, account: first } = await signedIn(t, "rita")
    const refreshes = peer.grants("refresh_token")
    expect(await t.getAccessToken(user.id)).toBe(value(first.accessToken))
    expect(peer.grants("refresh_token")).toEqual(refreshes)

    await untilExpired(first)
    expect(peer.isTokenActive(value(first.accessToken))).toBe(false)
    const second = await t.getAccessToken(user.id)
    expect(second).not.toBe(value(first.accessToken))
    expect(peer.isTokenActive(second)).toBe(true)
    expect(peer.grants("refresh_token")).toEqual({ success: refreshes.success + 1, error: refreshes.error })

    const afterFirst = (await t.account("rita")) as Account
    expect(value(afterFirst.accessToken)).toBe(second)
    expect(afterFirst.needsReauth).toBe(false)
    expect(afterFirst.expiresAt!.getTime()).toBeGreaterThan(first.expiresAt!.getTime())
    // Rotation: the spent refresh token is dead at the provider, the new one is what was stored.
    expect(value(afterFirst.refreshToken)).not.toBe(value(first.refreshToken))
    expect(peer.isTokenActive(value(first.refreshToken))).toBe(false)
    expect(peer.isTokenActive(value(afterFirst.refreshToken))).toBe(true)

    // The second expiry refreshes with the stored (rotated) refresh token; the spent one would be refused.
    await untilExpired(afterFirst)
    const third = await t.getAccessToken(user.id)
    expect([third === second, peer.isTokenActive(third)]).toEqual([false, true])
    expect(peer.grants("refresh_token")).toEqual({ success: refreshes.success + 2, error: refreshes.error })
    const afterSecond = (await t.account("rita")) as Account
    expect(value(afterSecond.accessToken)).toBe(third)
    expect(peer.isTokenActive(value(afterFirst.refreshToken))).toBe(false)
    expect(peer.isTokenActive(value(afterSecond.refreshToken))).toBe(true)
  })

  it("40 concurrent getAccessToken calls after expiry: one refresh at the provider, one token for all", async () => {
    const { peer, t } = await fresh()
    const { user, account } = await signedIn(t, "rob")
    await untilExpired(account)
    const refreshes = peer.grants("refresh_token")
    const tokenRequests = peer.hits("/token")
    const tokens = await Promise.all(Array.from({ length: 40 }, () => t.getAccessToken(user.id)))
    expect(new Set(tokens).size).toBe(1)
    const token = tokens[0] ?? ""
    expect(token).not.toBe(value(account.accessToken))
    expect(peer.isTokenActive(token)).toBe(true)
    expect(peer.grants("refresh_token")).toEqual({ success: refreshes.success + 1, error: refreshes.error })
    expect(peer.hits("/token")).toBe(tokenRequests + 1)
    expect(value((await t.account("rob"))?.accessToken ?? null)).toBe(token)
  })

  it("a grant revoked at the provider, after expiry: ReauthRequired, needsReauth, no further requests; a new sign-in repairs it", async () => {
    const { peer: revoking, t: r } = await fresh()
    const b = r.browser()
    await r.idpSignIn(b, "rex")
    const user = (await r.userOf("rex"))!
    const account = (await r.account("rex"))!
    revoking.revokeAllTokens()
    expect(revoking.isTokenActive(value(account.refreshToken))).toBe(false)

    await untilExpired(account)
    const refreshes = revoking.grants("refresh_token")
    const errors = await Promise.all(Array.from({ length: 20 }, () => r.getAccessTokenError(user.id)))
    expect(new Set(errors.map((error) => error._tag))).toEqual(new Set(["ReauthRequired"]))
    // Twenty callers, one refused refresh.
    expect(revoking.grants("refresh_token")).toEqual({ success: refreshes.success, error: refreshes.error + 1 })
    expect((await r.account("rex"))?.needsReauth).toBe(true)
    expect(await r.accounts(b)).toStrictEqual({
      status: 200,
      body: [{ provider: "idp", type: "oidc", providerAccountId: "rex", needsReauth: true }]
    })
    // Asked again, it does not spend another request on a dead grant.
    expect((await r.getAccessTokenError(user.id))._tag).toBe("ReauthRequired")
    expect(revoking.grants("refresh_token").error).toBe(refreshes.error + 1)

    await r.idpSignIn(b, "rex")
    const repaired = (await r.account("rex"))!
    expect(repaired.needsReauth).toBe(false)
    expect(await r.getAccessToken(user.id)).toBe(value(repaired.accessToken))
    expect(revoking.isTokenActive(value(repaired.accessToken))).toBe(true)
  })

  it("a provider that does not rotate refresh tokens: the one refresh token is kept and refreshes again", async () => {
    const { peer, t } = await fresh({ rotateRefreshTokens: false })
    const { user, account: first } = await signedIn(t, "ruth")
    await untilExpired(first)
    const second = await t.getAccessToken(user.id)
    const afterFirst = (await t.account("ruth")) as Account
    expect([second === value(first.accessToken), peer.isTokenActive(second)]).toEqual([false, true])
    expect(value(afterFirst.refreshToken)).toBe(value(first.refreshToken))
    await untilExpired(afterFirst)
    const third = await t.getAccessToken(user.id)
    expect([third === second, peer.isTokenActive(third)]).toEqual([false, true])
    expect(peer.grants("refresh_token")).toEqual({ success: 2, error: 0 })
  })

  // BUG: src/domain/accountSignIn.ts, applyDecision, case "SignInExisting": a new sign-in stores its TokenSet
  // with `store.updateAccountTokens(key, attempt.tokens)`, which replaces every token field (MemoryUsers:
  // `{ ...account, ...tokens }`; SQLite: `UPDATE accounts SET refresh_token = :refresh_token, …`). When the
  // provider's token response carries no refresh token — RFC 6749 §5.1 makes it optional, and Google, for one,
  // sends it only on the first consent — the stored refresh token, still valid at the provider, is overwritten
  // with null. After the access token expires, getAccessToken fails with ReauthRequired, and signing in again
  // cannot repair it (that sign-in carries no refresh token either). The refresh path already keeps what an
  // answer did not replace (`merge` in src/domain/tokenRotation.ts); the sign-in path should do the same.
  it("BUG: a sign-in whose token response has no refresh token keeps the stored one (it still works at the provider)", async () => {
    const { peer, t } = await fresh()
    const { user, account: first } = await signedIn(t, "gus")
    const clientId = t.idps[0]!.clientId
    const registration = { clientId, clientSecret, auth: "client_secret_basic" as const, redirectUris: [`${t.apiUrl}/callback/idp`] }
    // For this one sign-in the provider hands out no refresh token, as Google does after the first consent.
    peer.addClient({ ...registration, refreshTokens: false })
    try {
      const again = await t.idpSignIn(t.browser(), "gus")
      expect(again.location).toBe(`${t.origin}/`)
    } finally {
      peer.addClient(registration)
    }
    const afterSignIn = (await t.account("gus")) as Account
    expect(value(afterSignIn.accessToken)).not.toBe(value(first.accessToken))
    // The provider still honours the first refresh token…
    expect(peer.isTokenActive(value(first.refreshToken))).toBe(true)
    // …but authfx no longer has it.
    expect(value(afterSignIn.refreshToken)).toBe(value(first.refreshToken))
    await untilExpired(afterSignIn)
    const token = await t.getAccessToken(user.id)
    expect(peer.isTokenActive(token)).toBe(true)
  })

  it("the store keeps the provider's tokens sealed: neither the sign-in nor the refresh writes one in clear text", async () => {
    const peer = await startPeer()
    const raw = Effect.runSync(MemoryUsers.make)
    const t = await serve(peer, { overrides: { users: Layer.succeed(Users, raw) } })
    const inClear = async (tokens: ReadonlyArray<string>) => {
      const stored = Option.getOrThrow(await Effect.runPromise(raw.getAccount({ provider: ProviderId.make("idp"), providerAccountId: "sam" })))
      const kept = [stored.accessToken, stored.refreshToken, stored.idToken].map(value)
      expect(kept.every((text) => text.startsWith("authfx.sealed.v1."))).toBe(true)
      return tokens.filter((token) => kept.some((text) => text.includes(token)))
    }
    const { user, account } = await signedIn(t, "sam")
    expect(await inClear([value(account.accessToken), value(account.refreshToken), value(account.idToken)])).toEqual([])
    await untilExpired(account)
    const fresh = await t.getAccessToken(user.id)
    expect(peer.isTokenActive(fresh)).toBe(true)
    const refreshed = (await t.account("sam")) as Account
    expect(value(refreshed.accessToken)).toBe(fresh)
    expect(await inClear([fresh, value(refreshed.refreshToken)])).toEqual([])
  })

  /**
   * Node A serves the sign-in; node B is the same application on another port with the same client at the
   * provider. After expiry, 25 callers on each node ask at once.
   */
  const racingNodes = async (sub: string, stores: () => Pick<AuthfxOptions, "users" | "ledger">) => {
    const peer = await startPeer()
    const a = await serve(peer, { overrides: stores() })
    const b = await serve(peer, { idps: [{ id: "idp", clientId: a.idps[0]!.clientId }], overrides: stores() })
    const { user, account } = await signedIn(a, sub)
    // Node B sees the user and the account through the shared store.
    expect(value((await b.account(sub))?.accessToken ?? null)).toBe(value(account.accessToken))
    await untilExpired(account)
    const refreshes = peer.grants("refresh_token")
    const tokens = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? a : b).getAccessToken(user.id))
    )
    expect(new Set(tokens).size).toBe(1)
    const token = tokens[0] ?? ""
    expect(token).not.toBe(value(account.accessToken))
    expect(peer.isTokenActive(token)).toBe(true)
    expect(peer.grants("refresh_token")).toEqual({ success: refreshes.success + 1, error: refreshes.error })
    expect(value((await a.account(sub))?.accessToken ?? null)).toBe(token)
    expect(value((await b.account(sub))?.accessToken ?? null)).toBe(token)
  }

  it("two nodes over one MemoryUsers and one MemoryLedger instance: one refresh", async () => {
    const users = Effect.runSync(MemoryUsers.make)
    const ledger = Effect.runSync(MemoryLedger.make)
    await racingNodes("nina", () => ({ users: Layer.succeed(Users, users), ledger: Layer.succeed(Ledger, ledger) }))
  })

  it("two nodes over one SQLite file, a connection each: one refresh", async () => {
    const dir = mkdtempSync(join(tmpdir(), "authfx-e2e-oidc-"))
    temporary.push(dir)
    const path = join(dir, "authfx.sqlite")
    await racingNodes("noah", () => {
      const database = SqliteDatabase.layer({ path })
      return { users: SqliteUsers.layer.pipe(Layer.provide(database)), ledger: SqliteLedger.layer.pipe(Layer.provide(database)) }
    })
  })
})
