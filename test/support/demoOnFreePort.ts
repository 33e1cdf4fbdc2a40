import { startDemo } from "../../src/demo/server.ts"
import { freePort } from "../adapters/postgres/testDatabase.ts"

/**
 * The demo on 127.0.0.1 and a free port, its AUTH_URL there, with a fixed test secret and the rest of its
 * environment from `env`; `origin` is where to send requests. `demo` is undefined when the demo refused to start.
 */
export const startDemoOnFreePort = async (env: Readonly<Record<string, string>>) => {
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const demo = await startDemo({
    PORT: String(port),
    HOST: "127.0.0.1",
    AUTH_URL: `${origin}/auth`,
    AUTH_SECRET: "lFzDdw0L++An58CE9hoUf1KhR66zIKxPwmvf1j2bWXcl",
    ...env
  })
  return { demo, origin }
}
