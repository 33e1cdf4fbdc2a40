import { jwtDecrypt, type JWTDecryptOptions } from "jose"
import { hkdfSync } from "node:crypto"
import { createServer } from "node:http"
import { announce, cookieName, listenFree, readCookie, secret } from "./common.ts"

/**
 * The floor of a stateless JWT session: node:http that reads the Auth.js session cookie and decrypts it with
 * jose under a key derived ONCE at start-up (Auth.js's HKDF: SHA-256, the cookie name as salt, 64 bytes for
 * A256CBC-HS512). No cache, no re-issue, no revocation.
 */
const key = new Uint8Array(
  hkdfSync("sha256", secret, cookieName, `Auth.js Generated Encryption Key (${cookieName})`, 64)
)

const options: JWTDecryptOptions = {
  clockTolerance: 15,
  keyManagementAlgorithms: ["dir"],
  contentEncryptionAlgorithms: ["A256CBC-HS512"]
}

const server = createServer((req, res) => {
  if (req.method !== "GET" || req.url !== "/auth/session") {
    res.writeHead(404).end()
    return
  }
  const token = readCookie(req.headers.cookie, cookieName)
  const answer = (body: string) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) })
    res.end(body)
  }
  if (token === undefined) {
    answer("null")
    return
  }
  jwtDecrypt(token, key, options).then(
    ({ payload }) =>
      answer(JSON.stringify({
        user: { name: payload["name"] ?? null, email: payload["email"] ?? null, image: payload["picture"] ?? null },
        expires: new Date((payload.exp ?? 0) * 1000).toISOString()
      })),
    () => answer("null")
  )
})

announce({ port: await listenFree(server) })
