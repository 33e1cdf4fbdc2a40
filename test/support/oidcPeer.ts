/**
 * A real OpenID Provider (panva's `oidc-provider`) on 127.0.0.1 for integration and browser tests.
 *
 * What it is:
 * - an issuer at `http://127.0.0.1:<port>` with discovery, JWKS (fresh RSA and EC keys per peer), the
 *   authorization, token (authorization_code and refresh_token grants), userinfo (`/me`), revocation and
 *   introspection endpoints, `form_post` responses and the RFC 9207 `iss` parameter;
 * - accounts kept by the peer (`addAccount`), looked up by `findAccount`: their claims (e-mail,
 *   email_verified, name, …) go into userinfo, and into the ID token only when requested with the
 *   `claims` parameter, as the spec's `conformIdTokenClaims` asks (`idTokenClaims: true` puts them in);
 * - clients from the options or `addClient`, any of `client_secret_basic`, `client_secret_post`,
 *   `private_key_jwt` (give the public JWKS) and `none`;
 * - refresh tokens issued to every client allowed the refresh_token grant (no `offline_access` +
 *   `prompt=consent` dance), rotated on every use unless `rotateRefreshTokens: false`; short token
 *   lifetimes through `ttl`;
 * - `invalid_grant` answers that say why (see `describeGrantErrors`);
 * - its own storage per peer (oidc-provider's memory adapter is one LRU of 1 000 entries shared by the
 *   whole process, which long test runs would overflow), so a peer can also revoke everything at once.
 *
 * Login and consent are real interactions (devInteractions off), served by the peer at
 * `/interaction/:uid` as small accessible HTML pages:
 * - login: `<input id="login" name="login">` labelled "Account" (the account's `sub`), a "Sign in" button
 *   and a "Cancel" button, which answers the client with `error=access_denied`;
 * - consent: an "Allow" and a "Deny" button (Deny: `access_denied`).
 * A browser test clicks through them; other tests call `signIn`, which follows the authorization URL
 * with fetch (`redirect: "manual"`, a cookie jar) and posts the same forms the pages hold, then returns
 * where the provider sends the browser back: the redirect URI with `code`/`error`, `state` and `iss`
 * (GET), or the fields of the auto-submitting form for `response_mode=form_post` (POST).
 *
 * `stop()` closes the listener and drops open connections (the provider is then down); `restart()`
 * listens again on the same port with all state kept (the provider is back).
 */
import { generateKeyPairSync, randomBytes } from "node:crypto"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"
// @ts-expect-error oidc-provider ships no type declarations; the little used here is typed below.
import OidcProviderModule from "oidc-provider"

// ---------------------------------------------------------------- the part of oidc-provider used here

interface Interaction {
  readonly uid: string
  readonly prompt: { readonly name: string; readonly details: Readonly<Record<string, unknown>> }
  readonly params: Readonly<Record<string, unknown>>
  readonly session?: { readonly accountId?: string }
  readonly grantId?: string
}

interface Grant {
  addOIDCScope(scope: string): void
  addOIDCClaims(claims: ReadonlyArray<string>): void
  addResourceScope(indicator: string, scope: string): void
  save(): Promise<string>
}

interface ProviderInstance {
  callback(): (req: IncomingMessage, res: ServerResponse) => void
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: Readonly<Record<string, unknown>>,
    options?: { readonly mergeWithLastSubmission?: boolean }
  ): Promise<void>
  readonly Grant: {
    new(init: { readonly accountId: string; readonly clientId: string }): Grant
    find(id: string): Promise<Grant | undefined>
  }
  on(event: string, listener: (...args: Array<unknown>) => void): void
}

const OidcProvider = OidcProviderModule as new(issuer: string, configuration: Record<string, unknown>) => ProviderInstance

// ---------------------------------------------------------------- public types

export interface PeerAccount {
  /** The subject: the ID token's `sub`, and what the login form takes. */
  readonly sub: string
  /** Standard claims: email, email_verified, name, picture, preferred_username, … */
  readonly claims?: Readonly<Record<string, unknown>>
}

export interface PeerClient {
  readonly clientId: string
  /** Needed for client_secret_basic and client_secret_post. */
  readonly clientSecret?: string
  readonly auth: "client_secret_basic" | "client_secret_post" | "private_key_jwt" | "none"
  readonly redirectUris: ReadonlyArray<string>
  /** The public keys of a private_key_jwt client. */
  readonly jwks?: { readonly keys: ReadonlyArray<Readonly<Record<string, unknown>>> }
  /** Default true: the client may use refresh tokens, and gets one with every code. */
  readonly refreshTokens?: boolean
}

export interface OidcPeerOptions {
  readonly clients?: ReadonlyArray<PeerClient>
  readonly accounts?: ReadonlyArray<PeerAccount>
  /** Token lifetimes in seconds (defaults: access and ID token 3600, refresh token 14 days, code 60). */
  readonly ttl?: {
    readonly accessToken?: number
    readonly idToken?: number
    readonly refreshToken?: number
    readonly authorizationCode?: number
  }
  /** Whether each refresh spends the refresh token and hands out a new one (default true). */
  readonly rotateRefreshTokens?: boolean
  /** Put the account's claims into the ID token too, not only into userinfo (default false). */
  readonly idTokenClaims?: boolean
  /**
   * oidc-provider refuses a wrong PKCE verifier and a used code alike with "grant request is invalid".
   * Like Keycloak, Okta and Auth0, the peer says why in `error_description` ("… (code_verifier does not
   * match code_challenge)") unless this is false.
   */
  readonly describeGrantErrors?: boolean
  /** Default 0: any free port. */
  readonly port?: number
}

/** Where the provider sends the browser back to the client. */
export interface PeerCallback {
  /** GET: a redirect to the redirect URI; POST: the auto-submitted form of `response_mode=form_post`. */
  readonly method: "GET" | "POST"
  /** The redirect URI with its query (GET), or the form's action (POST). */
  readonly url: string
  /** The query or the form fields: `code` or `error`, `state`, `iss`, … */
  readonly params: Readonly<Record<string, string>>
}

export interface SignInOptions {
  /** The `sub` to sign in as. */
  readonly account: string
  /** "deny": press Cancel/Deny at the first page shown, so the provider answers `error=access_denied`. */
  readonly decision?: "approve" | "deny"
  /** Reuse a browser's cookies (an existing IdP session skips the login page); default a fresh jar. */
  readonly jar?: CookieJar
}

export interface OidcPeer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly issuer: string
  readonly port: number
  readonly addAccount: (account: PeerAccount) => void
  readonly addClient: (client: PeerClient) => void
  /** Logs in and consents like a person would (see the module comment) and returns the callback. */
  readonly signIn: (authorizationUrl: string, options: SignInOptions) => Promise<PeerCallback>
  /** Whether the provider would still accept this access or refresh token. */
  readonly isTokenActive: (token: string) => boolean
  /** Revokes every access and refresh token issued so far, as if the user removed the app at the provider. */
  readonly revokeAllTokens: () => void
  /** Successful and failed token requests per grant type ("authorization_code", "refresh_token"). */
  readonly grants: (grantType: string) => { readonly success: number; readonly error: number }
  /** Requests seen per path ("/token", "/me", "/token/revocation", "/.well-known/openid-configuration"). */
  readonly hits: (path: string) => number
  /** Errors the provider reported as its own failures (server_error); a healthy test leaves this empty. */
  readonly serverErrors: ReadonlyArray<unknown>
  /** Closes the listener and every open connection: the provider is down until `restart`. */
  readonly stop: () => Promise<void>
  /** Listens again on the same port, everything kept. */
  readonly restart: () => Promise<void>
}

// ---------------------------------------------------------------- a cookie jar, enough for the IdP's cookies

export interface CookieJar {
  readonly header: (url: URL) => string
  readonly store: (url: URL, response: Response) => void
}

export const cookieJar = (): CookieJar => {
  const cookies = new Map<string, { readonly name: string; readonly value: string; readonly path: string }>()
  return {
    header: (url) =>
      [...cookies.values()]
        .filter((cookie) => url.pathname === cookie.path || url.pathname.startsWith(cookie.path.replace(/\/?$/, "/")))
        .map((cookie) => `${cookie.name}=${cookie.value}`)
        .join("; "),
    store: (url, response) => {
      for (const line of response.headers.getSetCookie()) {
        const [pair = "", ...attributes] = line.split(";").map((part) => part.trim())
        const eq = pair.indexOf("=")
        if (eq <= 0) continue
        const name = pair.slice(0, eq)
        const value = pair.slice(eq + 1)
        const attribute = (key: string) =>
          attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1)
        const path = attribute("path") ?? url.pathname.replace(/\/[^/]*$/, "/")
        const maxAge = attribute("max-age")
        const expires = attribute("expires")
        const gone = (maxAge !== undefined && Number(maxAge) <= 0) ||
          (expires !== undefined && Date.parse(expires) <= Date.now()) || value === ""
        const key = `${name}\u0000${path}`
        if (gone) cookies.delete(key)
        else cookies.set(key, { name, value, path })
      }
    }
  }
}

// ---------------------------------------------------------------- storage (oidc-provider's adapter interface)

interface Entry {
  readonly payload: Record<string, unknown>
  readonly expiresAt: number | undefined
}

const makeStorage = () => {
  const entries = new Map<string, Entry>()
  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key)
    if (entry !== undefined && entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      entries.delete(key)
      return undefined
    }
    return entry
  }
  const findBy = (model: string, field: string, value: unknown) => {
    for (const [key, entry] of entries) {
      if (key.startsWith(`${model}:`) && entry.payload[field] === value && live(key) !== undefined) return entry.payload
    }
    return undefined
  }
  // oidc-provider instantiates the adapter per model name, with `new`.
  const Adapter = function(this: { model: string }, model: string) {
    this.model = model
  } as unknown as new(model: string) => { model: string }
  Object.assign(Adapter.prototype, {
    async upsert(this: { model: string }, id: string, payload: Record<string, unknown>, expiresIn?: number) {
      entries.set(`${this.model}:${id}`, {
        payload: { ...payload },
        expiresAt: typeof expiresIn === "number" ? Date.now() + expiresIn * 1000 : undefined
      })
    },
    async find(this: { model: string }, id: string) {
      return live(`${this.model}:${id}`)?.payload
    },
    async findByUid(this: { model: string }, uid: string) {
      return findBy(this.model, "uid", uid)
    },
    async findByUserCode(this: { model: string }, userCode: string) {
      return findBy(this.model, "userCode", userCode)
    },
    async consume(this: { model: string }, id: string) {
      const entry = live(`${this.model}:${id}`)
      if (entry !== undefined) entry.payload["consumed"] = Math.floor(Date.now() / 1000)
    },
    async destroy(this: { model: string }, id: string) {
      entries.delete(`${this.model}:${id}`)
    },
    async revokeByGrantId(grantId: string) {
      for (const [key, entry] of entries) if (entry.payload["grantId"] === grantId) entries.delete(key)
    }
  })
  return {
    Adapter,
    setClient: (metadata: Record<string, unknown>) =>
      entries.set(`Client:${String(metadata["client_id"])}`, { payload: metadata, expiresAt: undefined }),
    isTokenActive: (token: string) => {
      const entry = live(`AccessToken:${token}`) ?? live(`RefreshToken:${token}`)
      return entry !== undefined && entry.payload["consumed"] === undefined
    },
    revokeAllTokens: () => {
      for (const key of [...entries.keys()]) {
        if (key.startsWith("AccessToken:") || key.startsWith("RefreshToken:")) entries.delete(key)
      }
    }
  }
}

// ---------------------------------------------------------------- pages

const escapeHtml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;")

const page = (title: string, prompt: string, body: string) =>
  `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><title>${escapeHtml(title)}</title></head>
<body><main data-prompt="${prompt}"><h1>${escapeHtml(title)}</h1>
${body}
</main></body>
</html>`

const loginPage = (uid: string, clientId: string, error?: string) =>
  page(
    "Sign in to the test IdP",
    "login",
    `<p>to continue to ${escapeHtml(clientId)}</p>
${error === undefined ? "" : `<p role="alert">${escapeHtml(error)}</p>`}
<form method="post" action="/interaction/${uid}/login">
<label for="login">Account</label>
<input id="login" name="login" autocomplete="username" required autofocus>
<button type="submit">Sign in</button>
</form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit">Cancel</button></form>`
  )

const consentPage = (uid: string, clientId: string, scopes: ReadonlyArray<string>) =>
  page(
    "Allow access?",
    "consent",
    `<p>${escapeHtml(clientId)} asks for: ${escapeHtml(scopes.join(", ") || "your account")}</p>
<form method="post" action="/interaction/${uid}/confirm"><button type="submit" autofocus>Allow</button></form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit">Deny</button></form>`
  )

const send = (res: ServerResponse, status: number, html: string) => {
  res.statusCode = status
  res.setHeader("content-type", "text/html; charset=utf-8")
  res.setHeader("cache-control", "no-store")
  res.end(html)
}

const readForm = (req: IncomingMessage) =>
  new Promise<URLSearchParams>((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => resolve(new URLSearchParams(Buffer.concat(chunks).toString("utf8"))))
    req.on("error", reject)
  })

const stringList = (value: unknown): ReadonlyArray<string> =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : []

// ---------------------------------------------------------------- the peer

const signingKeys = () => {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" })
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" })
  return [
    { ...rsa, kid: `rsa-${randomBytes(4).toString("hex")}`, alg: "RS256", use: "sig" },
    { ...ec, kid: `ec-${randomBytes(4).toString("hex")}`, alg: "ES256", use: "sig" }
  ]
}

const clientMetadata = (client: PeerClient): Record<string, unknown> => ({
  client_id: client.clientId,
  ...(client.clientSecret === undefined ? {} : { client_secret: client.clientSecret }),
  token_endpoint_auth_method: client.auth,
  redirect_uris: [...client.redirectUris],
  response_types: ["code"],
  grant_types: client.refreshTokens === false ? ["authorization_code"] : ["authorization_code", "refresh_token"],
  ...(client.jwks === undefined ? {} : { jwks: client.jwks })
})

const listen = (server: Server, port: number) =>
  new Promise<number>((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject)
      resolve((server.address() as AddressInfo).port)
    })
  })

export const startOidcPeer = async (options: OidcPeerOptions = {}): Promise<OidcPeer> => {
  const accounts = new Map<string, PeerAccount>()
  for (const account of options.accounts ?? []) accounts.set(account.sub, account)
  const storage = makeStorage()
  for (const client of options.clients ?? []) storage.setClient(clientMetadata(client))
  const grantCounts = new Map<string, { success: number; error: number }>()
  const countOf = (grantType: string) => {
    const found = grantCounts.get(grantType) ?? { success: 0, error: 0 }
    grantCounts.set(grantType, found)
    return found
  }
  const hits = new Map<string, number>()
  const serverErrors: Array<unknown> = []
  const sockets = new Set<Socket>()

  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => send(res, 503, "starting")
  const server = createServer((req, res) => handle(req, res))
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  // The issuer needs the port, so the server listens before the provider exists.
  const port = await listen(server, options.port ?? 0)
  const issuer = `http://127.0.0.1:${port}`
  const ttl = options.ttl ?? {}

  const provider = new OidcProvider(issuer, {
    adapter: storage.Adapter,
    jwks: { keys: signingKeys() },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    findAccount: async (_ctx: unknown, sub: string) => {
      const account = accounts.get(sub)
      return account === undefined
        ? undefined
        : { accountId: sub, claims: async () => ({ ...account.claims, sub }) }
    },
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name", "nickname", "preferred_username", "given_name", "family_name", "picture", "locale"]
    },
    scopes: ["openid", "offline_access", "email", "profile"],
    conformIdTokenClaims: options.idTokenClaims !== true,
    features: {
      devInteractions: { enabled: false },
      // Any authenticated client may revoke or introspect any token: the peer serves tests, not tenants.
      revocation: { enabled: true, allowedPolicy: async () => true },
      introspection: { enabled: true, allowedPolicy: async () => true },
      userinfo: { enabled: true }
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: ttl.accessToken ?? 3600,
      IdToken: ttl.idToken ?? 3600,
      RefreshToken: ttl.refreshToken ?? 14 * 24 * 3600,
      AuthorizationCode: ttl.authorizationCode ?? 60,
      Interaction: 600,
      Session: 3600,
      Grant: 14 * 24 * 3600
    },
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed: (grant: string) => boolean }) =>
      client.grantTypeAllowed("refresh_token"),
    rotateRefreshToken: () => options.rotateRefreshTokens !== false,
    // The default error page loads a web font: a browser test without internet would log console errors.
    renderError: async (ctx: { type: string; body: string }, out: Record<string, unknown>) => {
      ctx.type = "html"
      ctx.body = page(
        "Something went wrong",
        "error",
        Object.entries(out).map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: ${escapeHtml(String(value))}</p>`)
          .join("\n")
      )
    }
  })
  provider.on("grant.success", (ctx) => {
    const grantType = (ctx as { oidc?: { params?: { grant_type?: string } } }).oidc?.params?.grant_type
    countOf(grantType ?? "unknown").success++
  })
  provider.on("grant.error", (ctx, error) => {
    const context = ctx as { oidc?: { params?: { grant_type?: string } }; body?: unknown }
    countOf(context.oidc?.params?.grant_type ?? "unknown").error++
    // The body is set but not yet sent when this event fires.
    const detail = (error as { error_detail?: unknown } | undefined)?.error_detail
    const body = context.body as { error?: unknown; error_description?: unknown } | undefined
    if (options.describeGrantErrors !== false && typeof detail === "string" && body?.error === "invalid_grant") {
      body.error_description = `${String(body.error_description)} (${detail})`
    }
  })
  provider.on("server_error", (_ctx, error) => serverErrors.push(error))

  const interaction = async (req: IncomingMessage, res: ServerResponse, action: string | undefined) => {
    const details = await provider.interactionDetails(req, res)
    const clientId = String(details.params["client_id"] ?? "")
    if (req.method === "GET" && action === undefined) {
      if (details.prompt.name === "login") return send(res, 200, loginPage(details.uid, clientId))
      const missing = stringList(details.prompt.details["missingOIDCScope"])
      return send(res, 200, consentPage(details.uid, clientId, missing))
    }
    if (req.method !== "POST") return send(res, 405, page("Method not allowed", "error", ""))
    const form = await readForm(req)
    switch (action) {
      case "login": {
        const sub = form.get("login")?.trim() ?? ""
        if (details.prompt.name !== "login") return send(res, 400, page("Not a login", "error", ""))
        if (!accounts.has(sub)) return send(res, 400, loginPage(details.uid, clientId, "No such account."))
        return provider.interactionFinished(req, res, { login: { accountId: sub } }, { mergeWithLastSubmission: false })
      }
      case "confirm": {
        const accountId = details.session?.accountId
        if (details.prompt.name !== "consent" || accountId === undefined) {
          return send(res, 400, page("Not a consent", "error", ""))
        }
        const existing = details.grantId === undefined ? undefined : await provider.Grant.find(details.grantId)
        const grant = existing ?? new provider.Grant({ accountId, clientId })
        const missingScope = stringList(details.prompt.details["missingOIDCScope"])
        if (missingScope.length > 0) grant.addOIDCScope(missingScope.join(" "))
        const missingClaims = stringList(details.prompt.details["missingOIDCClaims"])
        if (missingClaims.length > 0) grant.addOIDCClaims(missingClaims)
        const resources = details.prompt.details["missingResourceScopes"]
        if (typeof resources === "object" && resources !== null) {
          for (const [indicator, scopes] of Object.entries(resources)) {
            grant.addResourceScope(indicator, stringList(scopes).join(" "))
          }
        }
        const grantId = await grant.save()
        return provider.interactionFinished(
          req,
          res,
          { consent: existing === undefined ? { grantId } : {} },
          { mergeWithLastSubmission: true }
        )
      }
      case "abort":
        return provider.interactionFinished(
          req,
          res,
          { error: "access_denied", error_description: "End-User aborted interaction" },
          { mergeWithLastSubmission: false }
        )
      default:
        return send(res, 404, page("Not found", "error", ""))
    }
  }

  const providerCallback = provider.callback()
  handle = (req, res) => {
    const url = new URL(req.url ?? "/", issuer)
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1)
    const match = /^\/interaction\/([^/]+)(?:\/([a-z]+))?$/.exec(url.pathname)
    if (match === null) return providerCallback(req, res)
    interaction(req, res, match[2]).catch((error: unknown) => {
      // SessionNotFound and friends: the interaction cookie is missing or expired.
      if (!res.headersSent) send(res, 400, page("Interaction failed", "error", `<p>${escapeHtml(String(error))}</p>`))
      else res.end()
    })
  }

  const drive = async (authorizationUrl: string, signIn: SignInOptions): Promise<PeerCallback> => {
    const jar = signIn.jar ?? cookieJar()
    const origin = new URL(issuer).origin
    let url = new URL(authorizationUrl)
    let init: { method: "GET" | "POST"; body?: URLSearchParams } = { method: "GET" }
    for (let step = 0; step < 20; step++) {
      const headers: Record<string, string> = { cookie: jar.header(url) }
      const response = await fetch(url, { ...init, headers, redirect: "manual" })
      jar.store(url, response)
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel()
        const location = new URL(response.headers.get("location") ?? "", url)
        if (location.origin !== origin) {
          return { method: "GET", url: location.href, params: Object.fromEntries(location.searchParams) }
        }
        url = location
        init = { method: "GET" }
        continue
      }
      const html = await response.text()
      const prompt = /data-prompt="([a-z]+)"/.exec(html)?.[1]
      if (response.ok && (prompt === "login" || prompt === "consent")) {
        const uid = /action="\/interaction\/([^/"]+)\//.exec(html)?.[1] ?? ""
        const deny = signIn.decision === "deny"
        const action = deny ? "abort" : prompt === "login" ? "login" : "confirm"
        url = new URL(`/interaction/${uid}/${action}`, origin)
        init = { method: "POST", body: new URLSearchParams(prompt === "login" && !deny ? { login: signIn.account } : {}) }
        continue
      }
      const form = /<form method="post" action="([^"]*)">([\s\S]*?)<\/form>/.exec(html)
      if (form !== null && /Submitting Callback/.test(html)) {
        const params: Record<string, string> = {}
        for (const input of form[2]!.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)"\/>/g)) {
          params[unescapeHtml(input[1]!)] = unescapeHtml(input[2]!)
        }
        return { method: "POST", url: unescapeHtml(form[1]!), params }
      }
      throw new Error(`the test IdP answered ${response.status} at ${url.pathname}: ${html.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").slice(0, 300)}`)
    }
    throw new Error("the test IdP redirected more than 20 times")
  }

  let stopped = false
  return {
    issuer,
    port,
    addAccount: (account) => void accounts.set(account.sub, account),
    addClient: (client) => storage.setClient(clientMetadata(client)),
    signIn: drive,
    isTokenActive: storage.isTokenActive,
    revokeAllTokens: storage.revokeAllTokens,
    grants: (grantType) => ({ ...countOf(grantType) }),
    hits: (path) => hits.get(path) ?? 0,
    serverErrors,
    stop: async () => {
      if (stopped) return
      stopped = true
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const socket of sockets) socket.destroy()
      await closed
    },
    restart: async () => {
      if (!stopped) return
      await listen(server, port)
      stopped = false
    }
  }
}

const unescapeHtml = (text: string) =>
  text.replace(/&quot;/g, "\"").replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&")
