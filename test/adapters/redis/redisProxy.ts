/**
 * A TCP proxy in front of the test Redis that a test can break the way networks and servers break, without
 * touching the shared Redis: `freeze` stops forwarding (Redis seems to hang: connected, no answer), `cut`
 * drops every connection and refuses new ones (Redis is down), `heal` undoes both.
 */
import { Effect } from "effect"
import { connect, createServer, type Socket } from "node:net"

export interface RedisProxy {
  readonly url: string
  readonly freeze: () => void
  readonly cut: () => void
  readonly heal: () => void
}

export const redisProxy = (upstreamPort = 6379) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<RedisProxy & { readonly close: () => Promise<void> }>((resolve) => {
        const sockets = new Set<Socket>()
        let frozen = false
        let down = false
        const held: Array<() => void> = []
        const forward = (from: Socket, to: Socket) =>
          from.on("data", (chunk) => (frozen ? held.push(() => to.write(chunk)) : to.write(chunk)))
        const server = createServer((client) => {
          if (down) return void client.destroy()
          const upstream = connect(upstreamPort, "127.0.0.1")
          for (const socket of [client, upstream]) {
            sockets.add(socket)
            socket.on("error", () => {})
            socket.on("close", () => {
              sockets.delete(socket)
              client.destroy()
              upstream.destroy()
            })
          }
          forward(client, upstream)
          forward(upstream, client)
        })
        server.listen(0, "127.0.0.1", () => {
          const address = server.address()
          const port = typeof address === "object" && address !== null ? address.port : 0
          resolve({
            url: `redis://127.0.0.1:${port}`,
            freeze: () => void (frozen = true),
            cut: () => {
              down = true
              for (const socket of sockets) socket.destroy()
            },
            heal: () => {
              frozen = false
              down = false
              for (const write of held.splice(0)) write()
            },
            close: () =>
              new Promise((done) => {
                for (const socket of sockets) socket.destroy()
                server.close(() => done())
              })
          })
        })
      })
    ),
    (proxy) => Effect.promise(() => proxy.close())
  )
