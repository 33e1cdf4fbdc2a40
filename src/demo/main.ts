// The demo entry (`npm start`).
import { startDemo } from "./server.ts"

const demo = await startDemo(process.env)
if (demo !== undefined) {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void demo.stop().then(() => process.exit(0)))
  }
}
