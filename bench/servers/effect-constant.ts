import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer, Scope } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { announce, listenFree, user } from "./common.ts"

/**
 * The floor of the framework authfx runs on (opt-in, `--effect-floor`): one effect/http GET route answering
 * the constant session JSON, mounted exactly as createAuth mounts authfx (HttpRouter.toHttpEffect +
 * NodeHttpServer.makeHandler inside http.createServer). authfx's own work is whatever it costs beyond this.
 */
const body = {
  user: { name: user.name, email: user.email, image: user.picture },
  expires: new Date(Date.now() + 30 * 24 * 60 * 60 * 1000).toISOString()
}

const routes = HttpRouter.add("GET", "/auth/session", Effect.sync(() => HttpServerResponse.jsonUnsafe(body)))

const scope = Effect.runSync(Scope.make())
const listener = await Effect.runPromise(
  Effect.gen(function*() {
    const services = yield* Layer.build(NodeHttpServer.layerHttpServices)
    const httpEffect = yield* HttpRouter.toHttpEffect(routes)
    return yield* NodeHttpServer.makeHandler(httpEffect, { scope }).pipe(Effect.provideContext(services))
  }).pipe(Scope.provide(scope))
)

const server = createServer(listener as (req: IncomingMessage, res: ServerResponse) => void)
announce({ port: await listenFree(server) })
