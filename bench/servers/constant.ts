import { createServer } from "node:http"
import { announce, listenFree, user } from "./common.ts"

/** The ceiling: node:http answering GET /auth/session with a constant session JSON, nothing read. */
const body = JSON.stringify({
  user: { name: user.name, email: user.email, image: user.picture },
  expires: new Date(Date.now() + 30 * 24 * 60 * 60 * 1000).toISOString()
})
const length = String(Buffer.byteLength(body))

const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/auth/session") {
    res.writeHead(200, { "content-type": "application/json", "content-length": length })
    res.end(body)
  } else {
    res.writeHead(404).end()
  }
})

announce({ port: await listenFree(server) })
