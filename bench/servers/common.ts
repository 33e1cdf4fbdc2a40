import type { Server } from "node:http"

/**
 * What every bench server shares: the secret, the user in the session, the cookie name, and the
 * start-up handshake with the parent (bench/session.ts) over the fork IPC channel.
 */

/** The secret of the @auth/core, bare-jose and authfx servers (a bench secret, never a real one). */
export const secret = "oGWSjxHjbdnVezYxDw/QrAp4hCNW/N3ZEtWEFirx9KWI"

/** Auth.js's session cookie name on http (the salt of its key derivation); authfx uses the same name by default. */
export const cookieName = "authjs.session-token"

/** The signed-in user, as Auth.js puts them in its JWT (`picture`, `sub`). */
export const user = {
  sub: "user-ada",
  name: "Ada Lovelace",
  email: "ada@example.com",
  picture: "https://example.com/ada.png"
} as const

/** The password of `user` at the authfx credentials provider. */
export const password = "correct horse battery staple"

/** What a server child tells the parent once it listens. */
export interface Ready {
  readonly type: "ready"
  readonly port: number
  /** A session cookie value the server accepts (authfx: obtained by signing in through its REST API). */
  readonly cookie?: string
  /** authfx only: distinct valid session tokens, for the "cold" scenario that the token cache cannot help. */
  readonly coldCookies?: ReadonlyArray<string>
  /** Anything the child wants printed in the header of the report. */
  readonly notes?: ReadonlyArray<string>
}

/** The value of one cookie in a Cookie header, or undefined. No decoding: JOSE compact tokens need none. */
export const readCookie = (header: string | undefined, name: string): string | undefined => {
  if (header === undefined) return undefined
  const prefix = `${name}=`
  for (const part of header.split(";")) {
    const trimmed = part.trim()
    if (trimmed.startsWith(prefix)) return trimmed.slice(prefix.length)
  }
  return undefined
}

/** Listens on a free port of 127.0.0.1 and resolves with it. */
export const listenFree = (server: Server): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      if (address === null || typeof address === "string") reject(new Error("no TCP address"))
      else resolve(address.port)
    })
  })

/**
 * Sends the ready message and ties this child's life to the parent: it exits when the parent goes away
 * (IPC disconnect) and on SIGTERM/SIGINT — through `process.exit`, so `--cpu-prof` gets to write its profile.
 */
export const announce = (ready: Omit<Ready, "type">): void => {
  const exit = () => process.exit(0)
  process.once("SIGTERM", exit)
  process.once("SIGINT", exit)
  process.once("disconnect", exit)
  if (process.send === undefined) {
    console.log(`listening on http://127.0.0.1:${ready.port} (not forked by bench/session.ts: no IPC channel)`)
    return
  }
  const message: Ready = { type: "ready", ...ready }
  process.send(message)
}
