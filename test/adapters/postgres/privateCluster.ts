/**
 * A PostgreSQL server of a test's own, in a temporary directory on a free port, so that a test can stop
 * and start it without touching the shared server other test files are using. Removed with the scope.
 */
import { Effect } from "effect"
import { execFile } from "node:child_process"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { freePort } from "./testDatabase.ts"

const run = promisify(execFile)

const bin = process.env["AUTHFX_TEST_PG_BIN"] ?? "/usr/lib/postgresql/15/bin"

// The server refuses to run as root; as root, run its tools as the postgres user.
const asServerUser = (tool: string, args: ReadonlyArray<string>) =>
  process.getuid?.() === 0
    ? run("runuser", ["-u", "postgres", "--", join(bin, tool), ...args])
    : run(join(bin, tool), [...args])

export interface PrivateCluster {
  readonly url: string
  readonly stop: Effect.Effect<void>
  readonly start: Effect.Effect<void>
}

export const privateCluster = Effect.acquireRelease(
  Effect.promise(async () => {
    const dir = await mkdtemp(join(tmpdir(), "authfx-pg-"))
    if (process.getuid?.() === 0) await run("chown", ["postgres:postgres", dir])
    const port = await freePort()
    const data = join(dir, "data")
    await asServerUser("initdb", ["-D", data, "--auth=trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`
    const start = () => asServerUser("pg_ctl", ["-D", data, "-o", options, "-l", join(dir, "log"), "-w", "start"])
    const stop = () => asServerUser("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"])
    await start()
    return { dir, url: `postgres://postgres@127.0.0.1:${port}/postgres`, start, stop }
  }),
  (cluster) =>
    Effect.promise(async () => {
      await cluster.stop().catch(() => undefined)
      await rm(cluster.dir, { recursive: true, force: true })
    })
).pipe(Effect.map((cluster): PrivateCluster => ({
  url: cluster.url,
  stop: Effect.promise(() => cluster.stop()).pipe(Effect.asVoid),
  start: Effect.promise(() => cluster.start()).pipe(Effect.asVoid)
})))
