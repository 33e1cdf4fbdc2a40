import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Redacted, Result } from "effect"
import { readFileSync } from "node:fs"
import type { Claims, OAuthProviderOptions, ProfileRequest } from "../../../src/adapters/oauth/OAuthProviderOptions.ts"
import { defaultProfile } from "../../../src/adapters/oauth/profileClaims.ts"
import { conformTwitchTokenResponse } from "../../../src/adapters/oauth/providers/twitch.ts"
import {
  apple,
  auth0,
  cognito,
  discord,
  facebook,
  github,
  gitlab,
  google,
  keycloak,
  linkedin,
  microsoftEntraId,
  okta,
  presets,
  slack,
  spotify,
  twitch
} from "../../../src/adapters/oauth/providers/presets.ts"
import { resolveOptions } from "../../../src/adapters/oauth/resolveOptions.ts"
import { emptyTokenSet } from "../../../src/domain/Account.ts"
import type { Profile } from "../../../src/domain/Profile.ts"
import { ProviderResponseInvalid } from "../../../src/ports/ProviderClient.ts"

/** A recorded answer from test/adapters/oauth/samples, by case name. */
const samples = (provider: string): Readonly<Record<string, unknown>> =>
  JSON.parse(readFileSync(new URL(`./samples/${provider}.json`, import.meta.url), "utf8"))

const claimsOf = (provider: string, name: string): Claims => samples(provider)[name] as Claims

const client = { clientId: "client-id", clientSecret: Redacted.make("client-secret") }

/** The mapping a preset uses (its own or the default), applied as the adapter applies it. */
const mapped = (options: OAuthProviderOptions, claims: Claims, params: Record<string, string> = {}): Profile =>
  (options.profile ?? defaultProfile)(claims, { tokens: emptyTokenSet, params })

describe("presets", () => {
  it("the list names every built-in provider once, and each makes valid options", () => {
    expect(presets.map((p) => p.id)).toEqual([
      "google",
      "github",
      "gitlab",
      "microsoft-entra-id",
      "apple",
      "discord",
      "facebook",
      "linkedin",
      "slack",
      "twitch",
      "spotify",
      "auth0",
      "okta",
      "keycloak",
      "cognito"
    ])
    for (const preset of presets) {
      const make = preset.make as (options: unknown) => OAuthProviderOptions
      const options = make({ ...client, issuer: "https://tenant.example.com" })
      expect(options.id).toBe(preset.id)
      expect(options.name).toBe(preset.name)
      expect(options.type).toBe(preset.type)
      expect(options.trustEmail).toBe(false)
      const resolved = resolveOptions(options)
      assert.isTrue(Result.isSuccess(resolved), `${preset.id}: ${Result.isFailure(resolved) ? resolved.failure.message : ""}`)
    }
  })

  it("application options replace the preset's, authorization parameters merge", () => {
    const options = twitch({ ...client, id: "twitch-eu", trustEmail: true, authorizationParams: { force_verify: "true" } })
    expect(options.id).toBe("twitch-eu")
    expect(options.trustEmail).toBe(true)
    expect(options.authorizationParams?.["force_verify"]).toBe("true")
    expect(JSON.parse(options.authorizationParams?.["claims"] ?? "{}").id_token).toHaveProperty("email_verified")
  })

  describe("Google", () => {
    it("is discovered at accounts.google.com with every check", () => {
      const options = google(client)
      expect([options.type, options.issuer, options.checks]).toEqual(["oidc", "https://accounts.google.com", undefined])
    })
    it("maps a verified Gmail account", () => {
      expect(mapped(google(client), claimsOf("google", "verified"))).toEqual({
        id: "110169484474386276334",
        name: "Ada Lovelace",
        email: "ada.lovelace@gmail.com",
        emailVerified: true,
        image: "https://lh3.googleusercontent.com/a/ACg8ocKv3Y2q9nB3HnV1tA2bXyZ=s96-c"
      })
    })
    it("keeps email_verified: false unverified", () => {
      expect(mapped(google(client), claimsOf("google", "unverified"))).toEqual({
        id: "104811930012299845711",
        name: "Charles Babbage",
        email: "charles@babbage.example",
        emailVerified: false,
        image: "https://lh3.googleusercontent.com/a/default-user=s96-c"
      })
    })
  })

  describe("GitHub", () => {
    const recorded = samples("github")
    /** A profile request answered from the recorded samples; `emails: null` refuses /user/emails (no scope). */
    const request = (user: unknown, emails: unknown): ProfileRequest => ({
      provider: "github",
      tokens: emptyTokenSet,
      get: (url) =>
        url.endsWith("/user")
          ? Effect.succeed(user)
          : emails === null
          ? Effect.fail(new ProviderResponseInvalid({ provider: "github", message: "HTTP 404" }))
          : Effect.succeed(emails)
    })
    const profileFrom = (user: unknown, emails: unknown) =>
      Effect.gen(function*() {
        const options = github(client)
        const claims = yield* options.userinfoRequest!(request(user, emails))
        return mapped(options, claims)
      })

    it("is plain OAuth 2 with explicit endpoints and the e-mail scope", () => {
      const options = github(client)
      expect(options.type).toBe("oauth")
      expect(options.endpoints).toEqual({
        authorization: "https://github.com/login/oauth/authorize",
        token: "https://github.com/login/oauth/access_token",
        userinfo: "https://api.github.com/user"
      })
      expect(options.scope).toBe("read:user user:email")
      expect(github({ ...client, enterpriseUrl: "https://git.example.com/" }).endpoints?.userinfo)
        .toBe("https://git.example.com/api/v3/user")
    })
    it.effect("a private primary address that GitHub verified", () =>
      Effect.map(profileFrom(recorded["user"], recorded["emailsPrimaryVerified"]), (profile) =>
        expect(profile).toEqual({
          id: "583231",
          name: "The Octocat",
          email: "octocat@github.com",
          emailVerified: true,
          image: "https://avatars.githubusercontent.com/u/583231?v=4"
        })))
    it.effect("a private primary address not verified yet", () =>
      Effect.map(profileFrom(recorded["user"], recorded["emailsPrimaryUnverified"]), (profile) =>
        expect(profile).toEqual({
          id: "583231",
          name: "The Octocat",
          email: "octocat@github.com",
          emailVerified: false,
          image: "https://avatars.githubusercontent.com/u/583231?v=4"
        })))
    it.effect("the public address, verified through the list; the login stands in for a missing name", () =>
      Effect.map(profileFrom(recorded["userWithPublicEmail"], recorded["emailsWithPublic"]), (profile) =>
        expect(profile).toEqual({
          id: "480938",
          name: "hubot",
          email: "hubot@example.com",
          emailVerified: true,
          image: "https://avatars.githubusercontent.com/u/480938?v=4"
        })))
    it.effect("without the user:email scope the public address stays unverified", () =>
      Effect.map(profileFrom(recorded["userWithPublicEmail"], null), (profile) =>
        expect([profile.email, profile.emailVerified]).toEqual(["hubot@example.com", false])))
    it.effect("no public address and no list: no e-mail", () =>
      Effect.map(profileFrom(recorded["user"], null), (profile) => expect([profile.email, profile.emailVerified]).toEqual([null, false])))
    it.effect("a /user answer that is not an object is refused", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(github(client).userinfoRequest!(request([], [])))
        expect(error._tag).toBe("ProviderResponseInvalid")
      }))
  })

  describe("GitLab", () => {
    it("is an OpenID provider, self-managed instances by baseUrl", () => {
      expect([gitlab(client).type, gitlab(client).issuer]).toEqual(["oidc", "https://gitlab.com"])
      expect(gitlab({ ...client, baseUrl: "https://gitlab.example.com/" }).issuer).toBe("https://gitlab.example.com")
    })
    it("maps a confirmed address", () => {
      expect(mapped(gitlab(client), claimsOf("gitlab", "verified"))).toEqual({
        id: "1234567",
        name: "Ada Lovelace",
        email: "ada@example.com",
        emailVerified: true,
        image: "https://gitlab.com/uploads/-/system/user/avatar/1234567/avatar.png"
      })
    })
    it("an unconfirmed address, and the nickname for a missing name", () => {
      expect(mapped(gitlab(client), claimsOf("gitlab", "unconfirmed"))).toEqual({
        id: "7654321",
        name: "cbabbage",
        email: "charles@babbage.example",
        emailVerified: false,
        image: "https://secure.gravatar.com/avatar/5f2d3c3e0a9b4c5d8e7f6a1b2c3d4e5f?s=80&d=identicon"
      })
    })
  })

  describe("Microsoft Entra ID", () => {
    it("uses the tenant's v2.0 issuer, common by default", () => {
      expect(microsoftEntraId(client).issuer).toBe("https://login.microsoftonline.com/common/v2.0")
      expect(microsoftEntraId({ ...client, tenant: "contoso.onmicrosoft.com" }).issuer)
        .toBe("https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0")
    })
    it("never verifies the email claim, whatever else the token says", () => {
      expect(mapped(microsoftEntraId(client), claimsOf("microsoft-entra-id", "workAccount"))).toEqual({
        id: "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
        name: "Ada Lovelace",
        email: "ada@contoso.com",
        emailVerified: false,
        image: null
      })
    })
    it("does not take the UPN for an address", () => {
      expect(mapped(microsoftEntraId(client), claimsOf("microsoft-entra-id", "noEmail"))).toEqual({
        id: "BBBBBBBBBBBBBBBBBBBBBJkzqFVrSaSaFHy782bbtaQ",
        name: "Charles Babbage",
        email: null,
        emailVerified: false,
        image: null
      })
    })
  })

  describe("Apple", () => {
    const recorded = samples("apple") as Record<string, { claims: Claims; params: Record<string, string> }>
    it("answers with form_post, checks state and nonce, authenticates in the body", () => {
      const options = apple(client)
      expect([options.responseMode, options.checks, options.clientAuth, options.profileParams])
        .toEqual(["form_post", ["state", "nonce"], "client_secret_post", ["user"]])
    })
    it("takes the name from the first sign-in's user field, and \"true\" as verified", () => {
      const { claims, params } = recorded["firstSignIn"]!
      expect(mapped(apple(client), claims, params)).toEqual({
        id: "001234.5f2d3c3e0a9b4c5d8e7f6a1b2c3d4e5f.1234",
        name: "Ada Lovelace",
        email: "x7h3k2p9qz@privaterelay.appleid.com",
        emailVerified: true,
        image: null
      })
    })
    it("later sign-ins carry no name", () => {
      const { claims, params } = recorded["laterSignIn"]!
      expect(mapped(apple(client), claims, params)).toEqual({
        id: "001234.5f2d3c3e0a9b4c5d8e7f6a1b2c3d4e5f.1234",
        name: null,
        email: "ada@icloud.com",
        emailVerified: true,
        image: null
      })
    })
    it("\"false\" is unverified, and a malformed user field is ignored", () => {
      const { claims, params } = recorded["unverified"]!
      expect(mapped(apple(client), claims, params)).toEqual({
        id: "000987.0a1b2c3d4e5f60718293a4b5c6d7e8f9.0987",
        name: null,
        email: "charles@babbage.example",
        emailVerified: false,
        image: null
      })
    })
  })

  describe("Discord", () => {
    it("is plain OAuth 2 with revocation", () => {
      expect(discord(client).endpoints?.revocation).toBe("https://discord.com/api/oauth2/token/revoke")
      expect(discord(client).scope).toBe("identify email")
    })
    it("a verified address and an uploaded avatar", () => {
      expect(mapped(discord(client), claimsOf("discord", "verified"))).toEqual({
        id: "80351110224678912",
        name: "Nelly",
        email: "nelly@discord.com",
        emailVerified: true,
        image: "https://cdn.discordapp.com/avatars/80351110224678912/8342729096ea3675442027381ff50dfe.png"
      })
    })
    it("verified: false, the username for a missing display name, the default avatar by id", () => {
      expect(mapped(discord(client), claimsOf("discord", "unverified"))).toEqual({
        id: "613425648685547541",
        name: "wumpus",
        email: "wumpus@example.com",
        emailVerified: false,
        image: "https://cdn.discordapp.com/embed/avatars/2.png"
      })
    })
    it("no e-mail scope: no address; an animated avatar", () => {
      expect(mapped(discord(client), claimsOf("discord", "legacyAnimated"))).toEqual({
        id: "53908232506183680",
        name: "Mason",
        email: null,
        emailVerified: false,
        image: "https://cdn.discordapp.com/avatars/53908232506183680/a_d5efa99b3eeaa7dd43acca49bb5ea2fb.gif"
      })
    })
  })

  describe("Facebook", () => {
    it("asks the Graph API of the chosen version for the fields it maps", () => {
      expect(facebook({ ...client, graphApiVersion: "v23.0" }).endpoints?.userinfo)
        .toBe("https://graph.facebook.com/v23.0/me?fields=id,name,email,picture")
    })
    it("never verifies the address", () => {
      expect(mapped(facebook(client), claimsOf("facebook", "withEmail"))).toEqual({
        id: "10158932465937000",
        name: "Ada Lovelace",
        email: "ada@example.com",
        emailVerified: false,
        image:
          "https://platform-lookaside.fbsbx.com/platform/profilepic/?asid=10158932465937000&height=50&width=50&ext=1720000000&hash=AbZ8yX1q"
      })
    })
    it("an account without an address", () => {
      expect(mapped(facebook(client), claimsOf("facebook", "withoutEmail"))).toMatchObject({
        id: "10224567890123456",
        email: null,
        emailVerified: false
      })
    })
  })

  describe("LinkedIn", () => {
    it("checks state only and authenticates in the body", () => {
      expect([linkedin(client).checks, linkedin(client).clientAuth]).toEqual([["state"], "client_secret_post"])
    })
    it("maps its OpenID claims", () => {
      expect(mapped(linkedin(client), claimsOf("linkedin", "verified"))).toEqual({
        id: "782bbtaQ",
        name: "Ada Lovelace",
        email: "ada@example.com",
        emailVerified: true,
        image:
          "https://media.licdn.com/dms/image/C4D03AQGsitRwG8U8ZQ/profile-displayphoto-shrink_100_100/0/1516317953025?e=1723680000&v=beta&t=abc"
      })
    })
  })

  describe("Slack", () => {
    it("maps its OpenID claims", () => {
      expect(slack(client).checks).toEqual(["state", "nonce"])
      expect(mapped(slack(client), claimsOf("slack", "verified"))).toEqual({
        id: "U0R7JM",
        name: "krane",
        email: "krane@slack-corp.com",
        emailVerified: true,
        image: "https://secure.gravatar.com/avatar/bc.png"
      })
    })
  })

  describe("Twitch", () => {
    it("maps the claims it was asked for; preferred_username is the name", () => {
      expect(mapped(twitch(client), claimsOf("twitch", "verified"))).toEqual({
        id: "713936733",
        name: "twitchdev",
        email: "dev@example.com",
        emailVerified: true,
        image:
          "https://static-cdn.jtvnw.net/jtv_user_pictures/8a6381c7-d0c0-4576-b179-38bd5ce1d6af-profile_image-300x300.png"
      })
    })
    it("its token responses are put in RFC 6749 terms", () => {
      const recorded = samples("twitch")
      expect(conformTwitchTokenResponse(recorded["tokenResponse"] as Claims, 200)["scope"]).toBe("openid user:read:email")
      expect(conformTwitchTokenResponse(recorded["refreshRefused"] as Claims, 400)).toEqual({ error: "invalid_grant" })
      expect(conformTwitchTokenResponse({ error: "invalid_client" }, 401)).toEqual({ error: "invalid_client" })
    })
  })

  describe("Spotify", () => {
    it("never verifies the address; the first image", () => {
      expect(mapped(spotify(client), claimsOf("spotify", "premium"))).toEqual({
        id: "wizzler",
        name: "JM Wizzler",
        email: "email@example.com",
        emailVerified: false,
        image: "https://i.scdn.co/image/ab6775700000ee85a0e6b5a9d4c1d8b7c9e0f1a2"
      })
    })
    it("no display name and no image", () => {
      expect(mapped(spotify(client), claimsOf("spotify", "noImage"))).toEqual({
        id: "31l77y2al5lnn7mxfrmd4bpfhqke",
        name: null,
        email: "listener@example.com",
        emailVerified: false,
        image: null
      })
    })
  })

  describe("Auth0, Okta, Keycloak, Cognito", () => {
    const tenant = { ...client, issuer: "https://tenant.example.com" }
    it("take the tenant's issuer", () => {
      for (const make of [auth0, okta, keycloak, cognito]) expect(make(tenant).issuer).toBe("https://tenant.example.com")
    })
    it("Auth0: an unverified database-connection address", () => {
      expect(mapped(auth0(tenant), claimsOf("identity-platforms", "auth0Unverified"))).toEqual({
        id: "auth0|507f1f77bcf86cd799439020",
        name: "ada@example.com",
        email: "ada@example.com",
        emailVerified: false,
        image:
          "https://s.gravatar.com/avatar/dd2b3ba6b1c1c2a7e4b7d4c5f4a8d1e9?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fad.png"
      })
    })
    it("Okta: a verified address", () => {
      expect(mapped(okta(tenant), claimsOf("identity-platforms", "oktaVerified"))).toEqual({
        id: "00uid4BxXw6I6TV4m0g3",
        name: "Ada Lovelace",
        email: "ada@example.com",
        emailVerified: true,
        image: null
      })
    })
    it("Keycloak: a verified address", () => {
      expect(mapped(keycloak(tenant), claimsOf("identity-platforms", "keycloakVerified"))).toEqual({
        id: "9d2b1a53-6f0e-4b5e-9a3c-5b1c9e2d7f10",
        name: "Ada Lovelace",
        email: "ada@example.com",
        emailVerified: true,
        image: null
      })
    })
    it("Cognito: a boolean in the ID token, the string \"false\" in userinfo", () => {
      expect(mapped(cognito(tenant), claimsOf("identity-platforms", "cognitoIdToken"))).toEqual({
        id: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        name: null,
        email: "ada@example.com",
        emailVerified: true,
        image: null
      })
      expect(mapped(cognito(tenant), claimsOf("identity-platforms", "cognitoUserinfoUnverified"))).toEqual({
        id: "ffffffff-1111-2222-3333-444444444444",
        name: null,
        email: "charles@babbage.example",
        emailVerified: false,
        image: null
      })
      expect(mapped(cognito(tenant), { sub: "x", email: "x@example.com", email_verified: "true" }).emailVerified).toBe(true)
    })
  })

  describe("the default profile", () => {
    it("is Auth.js's, verified only on a strict true", () => {
      expect(defaultProfile({ id: 42, nickname: "n", email: "a@b.example", email_verified: "true" }, {
        tokens: emptyTokenSet,
        params: {}
      })).toEqual({ id: "42", name: "n", email: "a@b.example", emailVerified: false, image: null })
      expect(defaultProfile({ sub: "s", preferred_username: "p", email_verified: true }, { tokens: emptyTokenSet, params: {} }))
        .toEqual({ id: "s", name: "p", email: null, emailVerified: false, image: null })
    })
  })
})
