/**
 * GET /auth/session under load: @auth/core (JWT, and database sessions on @auth/pg-adapter), a bare-jose server,
 * a constant-answer server and authfx (embedded, and on PostgreSQL with and without the caches of issue 15, both
 * session strategies), each in its own child process, driven one at a time in alternating rounds by wrk (a
 * process of its own; autocannon in this process when wrk is missing, and for the cold tokens). The resident
 * memory of every server is sampled all along. Targets are issue 3's "The hot path" and issue 15's. Usage:
 *
 *   node bench/session.ts [--duration 5] [--rounds 3] [--connections 64] [--warmup 1]
 *                         [--cold-tokens 12000] [--only authfx,authfx-cold] [--effect-floor]
 *                         [--driver wrk|autocannon] [--rss-every 2] [--long] [--pg-url URL]
 *                         [--profile] [--profile-servers authfx] [--profile-dir DIR]
 *
 * --long: one 5-minute run of each authfx variant (unless --only says otherwise), RSS sampled every 5 s, and the
 * curve printed. The PostgreSQL variants use databases of their own on --pg-url's server, dropped at the end.
 *
 * --profile runs the authfx child (or the servers listed in --profile-servers) under `node --cpu-prof`;
 * summarise a profile with `node bench/cpuprofile.ts DIR/*.cpuprofile`.
 */
import { encode } from "@auth/core/jwt"
import autocannon from "autocannon"
import { type ChildProcess, execFile, fork } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { parseArgs, promisify } from "node:util"
import postgres from "postgres"
import { cookieName, type Ready, secret, user } from "./servers/common.ts"

// ---------------------------------------------------------------------------------------------- options

const { values: flags } = parseArgs({
  options: {
    duration: { type: "string", default: "5" },
    rounds: { type: "string", default: "3" },
    connections: { type: "string", default: "64" },
    warmup: { type: "string", default: "1" },
    "cold-tokens": { type: "string", default: "12000" },
    "effect-floor": { type: "boolean", default: false },
    only: { type: "string" },
    profile: { type: "boolean", default: false },
    "profile-servers": { type: "string", default: "authfx" },
    "profile-dir": { type: "string" },
    driver: { type: "string" },
    "rss-every": { type: "string" },
    long: { type: "boolean", default: false },
    "pg-url": { type: "string", default: process.env["BENCH_PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/test" },
    help: { type: "boolean", default: false }
  },
  strict: true
})

if (flags.help) {
  console.log("node bench/session.ts [--duration s] [--rounds n] [--connections n] [--warmup s] [--cold-tokens n] [--only ids] [--effect-floor] [--driver wrk|autocannon] [--rss-every s] [--long] [--pg-url url] [--profile] [--profile-servers ids] [--profile-dir dir]")
  process.exit(0)
}

const positive = (name: string, value: string, integer: boolean): number => {
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    console.error(`--${name} must be a ${integer ? "non-negative integer" : "non-negative number"}, got "${value}"`)
    process.exit(2)
  }
  return n
}
const long = flags.long
const duration = long ? 300 : positive("duration", flags.duration, false)
const rounds = long ? 1 : Math.max(1, positive("rounds", flags.rounds, true))
const connections = Math.max(1, positive("connections", flags.connections, true))
const warmup = long ? 5 : positive("warmup", flags.warmup, false)
const rssEvery = positive("rss-every", flags["rss-every"] ?? (long ? "5" : "2"), false)
const wrkPath = "/usr/bin/wrk"
const driver = flags.driver ?? (existsSync(wrkPath) ? "wrk" : "autocannon")
if (driver !== "wrk" && driver !== "autocannon") {
  console.error(`--driver must be wrk or autocannon, got "${driver}"`)
  process.exit(2)
}
// VerifiedTokens keeps 10,000 entries (oldest out first) for 60 s: cycling through MORE distinct tokens than
// that, in order, makes every request a miss. 2,000 tokens would all be cache hits after the first pass.
const coldTokens = long ? 0 : positive("cold-tokens", flags["cold-tokens"], true)

// ---------------------------------------------------------------------------------------------- scenarios

type ServerId =
  | "authcore"
  | "authcore-pg"
  | "jose"
  | "constant"
  | "authfx"
  | "authfx-nolimit"
  | "authfx-pg"
  | "authfx-pgdb"
  | "authfx-pg-before"
  | "authfx-pgdb-before"
  | "effect-constant"
type ScenarioId = ServerId | "authfx-cold"

/** Which file each server runs, with what environment (the authfx variants are one file, configured). */
const serverSpecs: Record<ServerId, { readonly file: string; readonly env?: Readonly<Record<string, string>>; readonly database?: "authfx" | "authjs" }> = {
  authcore: { file: "authcore.ts" },
  "authcore-pg": { file: "authcore-pg.ts", database: "authjs" },
  jose: { file: "jose.ts" },
  constant: { file: "constant.ts" },
  authfx: { file: "authfx.ts" },
  "authfx-nolimit": { file: "authfx.ts", env: { BENCH_RATE_LIMIT: "off" } },
  "authfx-pg": { file: "authfx.ts", env: { BENCH_STORE: "pg", BENCH_STRATEGY: "jwt" }, database: "authfx" },
  "authfx-pgdb": { file: "authfx.ts", env: { BENCH_STORE: "pg", BENCH_STRATEGY: "database" }, database: "authfx" },
  "authfx-pg-before": { file: "authfx.ts", env: { BENCH_STORE: "pg-uncached", BENCH_STRATEGY: "jwt" }, database: "authfx" },
  "authfx-pgdb-before": { file: "authfx.ts", env: { BENCH_STORE: "pg-uncached", BENCH_STRATEGY: "database" }, database: "authfx" },
  "effect-constant": { file: "effect-constant.ts" }
}
const isAuthfx = (id: ServerId) => id.startsWith("authfx")

interface Scenario {
  readonly id: ScenarioId
  readonly label: string
  readonly server: ServerId
}

const allScenarios: ReadonlyArray<Scenario> = [
  { id: "authcore", label: "@auth/core JWT (Auth(request) on node:http)", server: "authcore" },
  { id: "jose", label: "bare jose jwtDecrypt (key derived once)", server: "jose" },
  { id: "constant", label: "constant JSON (node:http)", server: "constant" },
  { id: "authfx", label: "authfx JWT, returning cookie (same token)", server: "authfx" },
  { id: "authfx-cold", label: "authfx JWT, cold (a different token each request)", server: "authfx" },
  // authfx above runs with its default rate limits; this one with `rateLimit: false`, to show they cost nothing here.
  { id: "authfx-nolimit", label: "authfx JWT, returning cookie, rateLimit: false", server: "authfx-nolimit" },
  { id: "authfx-pg", label: "authfx JWT, PostgreSQL, cached (after)", server: "authfx-pg" },
  { id: "authfx-pg-before", label: "authfx JWT, PostgreSQL, uncached (before)", server: "authfx-pg-before" },
  { id: "authfx-pgdb", label: "authfx database sessions, PostgreSQL, cached (after)", server: "authfx-pgdb" },
  { id: "authfx-pgdb-before", label: "authfx database sessions, PostgreSQL, uncached (before)", server: "authfx-pgdb-before" },
  { id: "authcore-pg", label: "@auth/core database sessions, @auth/pg-adapter", server: "authcore-pg" },
  // Opt-in (--effect-floor): what the mounting authfx uses costs with no authfx work at all.
  { id: "effect-constant", label: "effect/http constant JSON (makeHandler listener)", server: "effect-constant" }
]

const onlyFlag = flags.only ?? (long ? "authfx,authfx-pg,authfx-pgdb" : undefined)
const only = onlyFlag === undefined ? undefined : new Set(onlyFlag.split(",").map((s) => s.trim()).filter((s) => s !== ""))
if (only !== undefined) {
  for (const id of only) {
    if (!allScenarios.some((s) => s.id === id)) {
      console.error(`--only: unknown scenario "${id}" (one of ${allScenarios.map((s) => s.id).join(", ")})`)
      process.exit(2)
    }
  }
}
const scenarios = allScenarios.filter((s) =>
  (only === undefined ? s.id !== "effect-constant" || flags["effect-floor"] : only.has(s.id)) &&
  (s.id !== "authfx-cold" || (coldTokens > 0 && !long))
)
const servers = [...new Set(scenarios.map((s) => s.server))]

// ---------------------------------------------------------------------------------------------- databases

/** The PostgreSQL variants' databases: one for authfx's nodes, one for @auth/pg-adapter, made here and dropped at the end. */
const databaseOf = (name: string) => {
  const url = new URL(flags["pg-url"])
  url.pathname = `/${name}`
  return url.toString()
}
const databaseNames = (() => {
  const suffix = crypto.randomUUID().replaceAll("-", "").slice(0, 8)
  return { authfx: `authfx_bench_${suffix}`, authjs: `authfx_bench_${suffix}_authjs` }
})()
let databases: { readonly authfx: string; readonly authjs: string } | null = null
let admin: postgres.Sql | null = null
const createDatabases = async () => {
  admin = postgres(flags["pg-url"], { max: 1, onnotice: () => undefined })
  await admin.unsafe(`CREATE DATABASE ${databaseNames.authfx}`)
  await admin.unsafe(`CREATE DATABASE ${databaseNames.authjs}`)
  databases = { authfx: databaseOf(databaseNames.authfx), authjs: databaseOf(databaseNames.authjs) }
}
const dropDatabases = async () => {
  if (admin === null) return
  for (const name of Object.values(databaseNames)) await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined)
  await admin.end()
  admin = null
}

// ---------------------------------------------------------------------------------------------- memory

/** Resident set size of a process in MB (VmRSS of /proc/<pid>/status), or NaN when it cannot be read. */
const rssOf = (pid: number | undefined): number => {
  if (pid === undefined) return Number.NaN
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
    return match === null ? Number.NaN : Number(match[1]) / 1024
  } catch {
    return Number.NaN
  }
}

/** Every few seconds, the RSS of every server, with the seconds since start and which scenario was under load. */
const rssSamples = new Map<ServerId, Array<{ readonly at: number; readonly mb: number; readonly loaded: boolean }>>()
let underLoad: ServerId | null = null

// ---------------------------------------------------------------------------------------------- children

const benchDir = import.meta.dirname
const children = new Map<ServerId, ChildProcess>()
const profiled = new Set(flags["profile-servers"].split(",").map((s) => s.trim()))
const profileDir = flags.profile ? flags["profile-dir"] ?? mkdtempSync(path.join(os.tmpdir(), "authfx-bench-profile-")) : undefined

/** Set once we stop the children ourselves, so their exit is not reported as a crash. */
let stopping = false
const killChildren = (signal: NodeJS.Signals) => {
  for (const child of children.values()) {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
  }
}
process.on("exit", () => killChildren("SIGKILL"))
process.once("SIGINT", () => {
  stopping = true
  console.error("\nSIGINT: stopping the servers")
  killChildren("SIGTERM")
  setTimeout(() => process.exit(130), 500).unref()
})

/** Stops every child with SIGTERM (they exit through process.exit, so --cpu-prof writes), then SIGKILL. */
const stopChildren = async () => {
  stopping = true
  const exits = [...children.values()].filter((c) => c.exitCode === null && c.signalCode === null).map((child) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL")
        resolve()
      }, 5000)
      child.once("exit", () => {
        clearTimeout(timer)
        resolve()
      })
      child.kill("SIGTERM")
    })
  )
  await Promise.all(exits)
}

const isReady = (message: unknown): message is Ready =>
  typeof message === "object" && message !== null && (message as { readonly type?: unknown }).type === "ready"

const start = (id: ServerId): Promise<Ready> =>
  new Promise((resolve, reject) => {
    const execArgv = [...process.execArgv]
    if (profileDir !== undefined && profiled.has(id)) execArgv.push("--cpu-prof", `--cpu-prof-dir=${profileDir}`)
    const spec = serverSpecs[id]
    const child = fork(path.join(benchDir, "servers", spec.file), [], {
      execArgv,
      env: {
        ...process.env,
        ...spec.env,
        BENCH_COLD_TOKENS: String(id === "authfx" ? coldTokens : 0),
        ...(databases === null ? {} : { BENCH_DATABASE_URL: databases.authfx, BENCH_AUTHJS_DATABASE_URL: databases.authjs })
      },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      serialization: "advanced"
    })
    children.set(id, child)
    const timer = setTimeout(() => reject(new Error(`${id} server did not start within 300 s`)), 300_000)
    let up = false
    child.once("message", (message: unknown) => {
      clearTimeout(timer)
      up = isReady(message)
      if (isReady(message)) resolve(message)
      else reject(new Error(`${id} server sent ${JSON.stringify(message)}`))
    })
    child.once("exit", (code, signal) => {
      clearTimeout(timer)
      if (!up) reject(new Error(`${id} server exited (code ${code}, signal ${signal}) before it was ready`))
      else if (!stopping) console.error(`!! ${id} server exited during the run (code ${code}, signal ${signal}): its numbers are void`)
    })
  })

// ---------------------------------------------------------------------------------------------- validation

const emailNeedle = `"email":${JSON.stringify(user.email)}`

/** The session JSON every server must answer: `{user: {name, email, image}, expires: ISO}` for our user. */
const isSessionJson = (body: string): boolean => {
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    return false
  }
  if (typeof value !== "object" || value === null) return false
  const session = value as { readonly user?: unknown; readonly expires?: unknown }
  if (typeof session.user !== "object" || session.user === null) return false
  const u = session.user as { readonly name?: unknown; readonly email?: unknown; readonly image?: unknown }
  return u.name === user.name && u.email === user.email && "image" in u &&
    typeof session.expires === "string" && !Number.isNaN(Date.parse(session.expires))
}

const bodyText = (body: string | Buffer | undefined): string =>
  body === undefined ? "" : typeof body === "string" ? body : body.toString("utf8")

/** Checks one response the slow way, before any load. */
const probe = async (url: string, cookie: string, what: string) => {
  const response = await fetch(url, { headers: { cookie: `${cookieName}=${cookie}` } })
  const body = await response.text()
  if (response.status !== 200 || !isSessionJson(body)) {
    throw new Error(`${what}: GET ${url} answered ${response.status} ${body.slice(0, 300)}`)
  }
  return body
}

// ---------------------------------------------------------------------------------------------- load

interface RunResult {
  readonly reqPerSec: number
  readonly total: number
  readonly seconds: number
  readonly p50: number
  readonly p99: number
  readonly non2xx: number
  readonly statuses: Readonly<Record<string, number>>
  readonly mismatches: number
  readonly errors: number
  readonly timeouts: number
  readonly badBodies: ReadonlyArray<string>
}

const quantile = (sorted: Float64Array, q: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!

/** Where each token list's shared cursor stands, across runs. */
const cursors = new Map<ReadonlyArray<string>, number>()

const run = (url: string, cookies: ReadonlyArray<string>, seconds: number): Promise<RunResult> =>
  new Promise((resolve, reject) => {
    let latencies = new Float64Array(1 << 16)
    let count = 0
    const badBodies: Array<string> = []
    let checked = 0
    // Every body gets a cheap check; every 16th that passes it is also parsed and checked in full.
    const verifyBody = (raw: string | Buffer | undefined): boolean => {
      const body = bodyText(raw)
      const ok = body.charCodeAt(0) === 123 && body.includes(emailNeedle) && ((checked++ & 15) !== 0 || isSessionJson(body))
      if (!ok && badBodies.length < 5) badBodies.push(body.slice(0, 200))
      return ok
    }
    // The token cursor carries on from the previous run (the warm-up), so a measured run does not begin
    // with the tokens the warm-up has just put in the cache.
    let next = cursors.get(cookies) ?? 0
    const options: autocannon.Options = {
      url,
      connections,
      pipelining: 1,
      duration: seconds,
      verifyBody,
      ...(cookies.length === 1
        ? { headers: { cookie: `${cookieName}=${cookies[0]}` } }
        : {
          // One shared cursor for all connections: consecutive requests carry consecutive tokens.
          requests: [{
            method: "GET",
            setupRequest: (request) => {
              request.headers = { cookie: `${cookieName}=${cookies[next++ % cookies.length]}` }
              return request
            }
          }]
        })
    }
    const instance = autocannon(options, (error: unknown, result) => {
      if (error !== null && error !== undefined) {
        reject(error)
        return
      }
      cursors.set(cookies, next)
      const statuses: Record<string, number> = {}
      for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = stat.count ?? 0
      resolve({
        reqPerSec: result.requests.average,
        total: result.requests.total,
        seconds: result.duration,
        ...(() => {
          const sorted = latencies.subarray(0, count).sort()
          return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) }
        })(),
        non2xx: result.non2xx,
        statuses,
        mismatches: result.mismatches,
        errors: result.errors,
        timeouts: result.timeouts,
        badBodies
      })
    })
    instance.on("response", (_client, _status, _bytes, responseTime) => {
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2)
        grown.set(latencies)
        latencies = grown
      }
      latencies[count++] = responseTime
    })
  })

const execFileAsync = promisify(execFile)

/** wrk's duration: "1.23ms", "850.00us", "1.02s". */
const wrkMillis = (text: string | undefined): number => {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text ?? "")
  if (match === null) return Number.NaN
  const value = Number(match[1])
  return match[2] === "us" ? value / 1000 : match[2] === "ms" ? value : match[2] === "s" ? value * 1000 : value * 60_000
}

/**
 * One run by wrk, a process of its own (one thread: the machine has two cores, and the server needs one). It does
 * not check bodies: every server's answer was probed before the load (see `probe`); wrk counts non-2xx answers.
 */
const runWrk = async (url: string, cookie: string, seconds: number): Promise<RunResult> => {
  const { stdout } = await execFileAsync(wrkPath, [
    "-t1", `-c${connections}`, `-d${Math.max(1, Math.round(seconds))}s`, "--latency", "-H", `cookie: ${cookieName}=${cookie}`, url
  ], { maxBuffer: 1 << 20 })
  const number = (pattern: RegExp) => Number(pattern.exec(stdout)?.[1] ?? "0")
  const total = number(/(\d+) requests in/)
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout)
  const errors = socket === null ? 0 : Number(socket[1]) + Number(socket[2]) + Number(socket[3])
  const non2xx = number(/Non-2xx or 3xx responses: (\d+)/)
  return {
    reqPerSec: number(/Requests\/sec:\s+([\d.]+)/),
    total,
    seconds,
    p50: wrkMillis(/\n\s+50%\s+(\S+)/.exec(stdout)?.[1]),
    p99: wrkMillis(/\n\s+99%\s+(\S+)/.exec(stdout)?.[1]),
    non2xx,
    statuses: {},
    mismatches: 0,
    errors,
    timeouts: socket === null ? 0 : Number(socket[4]),
    badBodies: []
  }
}

/** A run by the chosen driver; many tokens (the cold scenario) need autocannon's per-request cursor. */
const drive = (url: string, cookies: ReadonlyArray<string>, seconds: number): Promise<RunResult> =>
  driver === "wrk" && cookies.length === 1 ? runWrk(url, cookies[0]!, seconds) : run(url, cookies, seconds)

// ---------------------------------------------------------------------------------------------- report

const fmtInt = (n: number) => Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "-"
const fmtMs = (n: number) => Number.isFinite(n) ? n.toFixed(2) : "-"
const fmtRatio = (n: number) => Number.isFinite(n) ? n.toFixed(2) : "-"
const pad = (s: string, n: number) => s.padEnd(n)
const padL = (s: string, n: number) => s.padStart(n)
const mean = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => a + b, 0) / xs.length


// ---------------------------------------------------------------------------------------------- main

const main = async () => {
  const load = os.loadavg()
  const cpus = os.cpus()
  console.log("authfx bench: GET /auth/session (issue 3, \"The hot path\")")
  console.log(`  node ${process.version} (${process.execPath}), ${os.platform()} ${os.arch()}`)
  console.log(`  CPUs: ${os.availableParallelism()} available (${cpus.length} × ${cpus[0]?.model.trim() ?? "unknown"})`)
  console.log(`  load average at start: ${load.map((l) => l.toFixed(2)).join(" ")} (1/5/15 min)`)
  console.log(`  ${connections} connections, pipelining 1, 127.0.0.1; ${rounds} round(s) × ${scenarios.length} scenario(s) × ${duration} s (+ ${warmup} s warm-up each), order rotated every round`)
  console.log("  NOTE: a small shared machine: each server is one child process, the load generator runs beside them;")
  console.log("        other work on the machine shows up as noise. Compare ratios within one run, not absolute numbers across runs.")

  // The Auth.js session cookie the @auth/core, bare-jose and constant servers get: made by @auth/core itself.
  const authjsCookie = await encode({ token: { ...user }, secret, salt: cookieName })

  console.log(`  load generator: ${driver === "wrk" ? `wrk (${wrkPath}, its own process, 1 thread)` : "autocannon (in this process)"}${scenarios.some((s) => s.id === "authfx-cold") ? "; the cold scenario by autocannon" : ""}`)
  const started = Date.now()
  if (servers.some((id) => serverSpecs[id].database !== undefined)) {
    await createDatabases()
    console.log(`  PostgreSQL: databases ${databaseNames.authfx} (authfx) and ${databaseNames.authjs} (@auth/pg-adapter) on ${new URL(flags["pg-url"]).host}, dropped at the end`)
  }
  const ready = new Map<ServerId, Ready>()
  // One at a time: started together on a small loaded machine, they starve each other past the start timeout.
  for (const id of servers) ready.set(id, await start(id))
  console.log(`  servers started in ${((Date.now() - started) / 1000).toFixed(1)} s: ${servers.map((id) => `${id} :${ready.get(id)!.port} (pid ${children.get(id)!.pid})`).join(", ")}`)
  for (const r of ready.values()) for (const note of r.notes ?? []) console.log(`  ${note}`)
  if (scenarios.some((s) => s.id === "authfx-cold")) {
    console.log(`  authfx-cold: ${coldTokens} distinct valid tokens, taken in order through one cursor shared by all connections; more than`)
    console.log("    VerifiedTokens holds (10,000, oldest out first), so no token is still cached when it comes round again")
  }
  if (profileDir !== undefined) console.log(`  profiling ${[...profiled].join(", ")}: --cpu-prof into ${profileDir}`)

  const cookiesOf = (scenario: Scenario): ReadonlyArray<string> => {
    const r = ready.get(scenario.server)!
    if (scenario.id === "authfx-cold") return r.coldCookies ?? []
    if (r.cookie !== undefined) return [r.cookie]
    return [authjsCookie]
  }
  const urlOf = (scenario: Scenario) => `http://127.0.0.1:${ready.get(scenario.server)!.port}/auth/session`

  // Every server answers the session JSON before anything is measured.
  for (const scenario of scenarios) {
    const cookies = cookiesOf(scenario)
    if (cookies.length === 0) throw new Error(`${scenario.id}: no cookie`)
    const sample = scenario.id === "authfx-cold" ? [0, 1, cookies.length >> 1, cookies.length - 1] : [0]
    let body = ""
    for (const i of sample) body = await probe(urlOf(scenario), cookies[i]!, scenario.id)
    console.log(`  ok ${pad(scenario.id, 15)} ${body.slice(0, 140)}${scenario.id === "authfx-cold" ? ` (${cookies.length} distinct tokens)` : ""}`)
  }
  console.log()

  const sampleStart = Date.now()
  const sampler = setInterval(() => {
    for (const id of servers) {
      const samples = rssSamples.get(id) ?? []
      samples.push({ at: (Date.now() - sampleStart) / 1000, mb: rssOf(children.get(id)?.pid), loaded: underLoad === id })
      rssSamples.set(id, samples)
    }
  }, Math.max(0.1, rssEvery) * 1000)
  const results = new Map<ScenarioId, Array<RunResult>>(scenarios.map((s) => [s.id, []]))
  for (let round = 0; round < rounds; round++) {
    const order = scenarios.map((_, i) => scenarios[(i + round) % scenarios.length]!)
    console.log(`round ${round + 1}/${rounds}: ${order.map((s) => s.id).join(" → ")}`)
    for (const scenario of order) {
      const cookies = cookiesOf(scenario)
      underLoad = scenario.server
      if (warmup > 0) await drive(urlOf(scenario), cookies, warmup)
      const result = await drive(urlOf(scenario), cookies, duration)
      underLoad = null
      results.get(scenario.id)!.push(result)
      const bad = result.non2xx + result.mismatches + result.errors
      console.log(
        `  ${pad(scenario.id, 15)} ${padL(fmtInt(result.reqPerSec), 8)} req/s  p50 ${padL(fmtMs(result.p50), 6)} ms  p99 ${padL(fmtMs(result.p99), 7)} ms  ${fmtInt(result.total)} requests` +
          (bad > 0 ? `  !! non2xx ${result.non2xx} ${JSON.stringify(result.statuses)} mismatches ${result.mismatches} errors ${result.errors} (timeouts ${result.timeouts})` : "")
      )
      for (const body of result.badBodies) console.log(`      bad body: ${JSON.stringify(body)}`)
    }
  }

  // Summary table.
  const meanOf = (id: ScenarioId) => {
    const runs = results.get(id)
    return runs === undefined ? Number.NaN : mean(runs.map((r) => r.reqPerSec))
  }
  console.log()
  const roundHeads = Array.from({ length: rounds }, (_, i) => padL(`round ${i + 1}`, 9)).join(" ")
  console.log(`${pad("scenario", 52)} ${padL("mean req/s", 10)} ${roundHeads} ${padL("p50 ms", 7)} ${padL("p99 ms", 7)} ${padL("non2xx", 7)} ${padL("mismatch", 8)} ${padL("errors", 7)}`)
  let invalid = 0
  for (const scenario of scenarios) {
    const runs = results.get(scenario.id)!
    const non2xx = runs.reduce((n, r) => n + r.non2xx, 0)
    const mismatches = runs.reduce((n, r) => n + r.mismatches, 0)
    const errors = runs.reduce((n, r) => n + r.errors, 0)
    invalid += non2xx + mismatches + errors
    console.log(
      `${pad(scenario.label, 52)} ${padL(fmtInt(meanOf(scenario.id)), 10)} ${runs.map((r) => padL(fmtInt(r.reqPerSec), 9)).join(" ")} ` +
        `${padL(fmtMs(mean(runs.map((r) => r.p50))), 7)} ${padL(fmtMs(mean(runs.map((r) => r.p99))), 7)} ${padL(String(non2xx), 7)} ${padL(String(mismatches), 8)} ${padL(String(errors), 7)}`
    )
  }
  console.log(`(p50/p99: the mean of the measured rounds' (${driver}); warm-up runs are not counted)`)

  clearInterval(sampler)

  // Memory: the peak RSS of each server over the whole run, and under its own load.
  console.log()
  console.log(`resident memory (VmRSS, sampled every ${rssEvery} s; target for authfx: peak ≤ 200 MB, flat):`)
  for (const id of servers) {
    const samples = rssSamples.get(id) ?? []
    const mbs = samples.map((x) => x.mb).filter(Number.isFinite)
    const loaded = samples.filter((x) => x.loaded).map((x) => x.mb).filter(Number.isFinite)
    const peak = mbs.length === 0 ? Number.NaN : Math.max(...mbs)
    const verdict = isAuthfx(id) ? (peak <= 200 ? "PASS" : "FAIL") : "    "
    console.log(
      `  ${pad(id, 20)} peak ${padL(peak.toFixed(0), 4)} MB  under its load: ${loaded.length === 0 ? "-" : `${Math.min(...loaded).toFixed(0)}–${Math.max(...loaded).toFixed(0)} MB`}  ${verdict}`
    )
    if (long && loaded.length > 0) {
      // The curve, one value per 30 s of its run (the highest sample in each), and whether the last minute grew.
      const loadedSamples = samples.filter((x) => x.loaded && Number.isFinite(x.mb))
      const first = loadedSamples[0]!.at
      const buckets: Array<number> = []
      for (const x of loadedSamples) {
        const bucket = Math.floor((x.at - first) / 30)
        buckets[bucket] = Math.max(buckets[bucket] ?? 0, x.mb)
      }
      console.log(`    curve (max per 30 s): ${buckets.map((mb) => mb.toFixed(0)).join(" → ")} MB`)
      const minute = (from: number, to: number) => Math.max(...loadedSamples.filter((x) => x.at - first >= from && x.at - first < to).map((x) => x.mb))
      const second = minute(60, 120)
      const last = minute(240, 300)
      if (Number.isFinite(second) && Number.isFinite(last)) {
        const growth = (last - second) / second
        console.log(`    flat? max of minute 5 vs minute 2: ${last.toFixed(0)} vs ${second.toFixed(0)} MB (${(growth * 100).toFixed(1)} %)  ${growth <= 0.1 ? "PASS" : "FAIL"}`)
      }
    }
  }

  // Targets.
  const targets: ReadonlyArray<{ readonly a: ScenarioId; readonly b: ScenarioId; readonly min: number; readonly note: string }> = [
    { a: "authfx", b: "authcore", min: 5, note: "authfx JWT /session ÷ @auth/core" },
    { a: "authfx-cold", b: "authcore", min: 5, note: "  same, cold token (no cache hit)" },
    { a: "authfx", b: "jose", min: 1, note: "authfx JWT /session ÷ bare jose" },
    { a: "authfx-cold", b: "jose", min: 1, note: "  same, cold token (no cache hit)" },
    { a: "authfx", b: "constant", min: 0.5, note: "authfx returning cookie ÷ constant" },
    { a: "authfx-pg", b: "authfx", min: 0.9, note: "JWT on PostgreSQL ÷ JWT embedded" },
    { a: "authfx-pgdb", b: "authcore-pg", min: 3, note: "DB sessions on PG ÷ @auth/core+pg-adapter" }
  ]
  const informational: ReadonlyArray<{ readonly a: ScenarioId; readonly b: ScenarioId; readonly note: string }> = [
    { a: "effect-constant", b: "constant", note: "effect/http mounting ÷ plain node:http" },
    { a: "authfx", b: "effect-constant", note: "authfx returning ÷ effect/http constant" },
    { a: "authfx-pg-before", b: "authfx", note: "before: JWT on PG uncached ÷ embedded" },
    { a: "authfx-pgdb-before", b: "authcore-pg", note: "before: DB sessions uncached ÷ Auth.js" },
    { a: "authfx-pg", b: "authfx-pg-before", note: "JWT on PG: cached ÷ uncached" },
    { a: "authfx-pgdb", b: "authfx-pgdb-before", note: "DB sessions on PG: cached ÷ uncached" },
    { a: "authfx", b: "authfx-nolimit", note: "rate limits on ÷ off (GET /session)" }
  ]
  console.log()
  console.log("targets (ratios of mean req/s in this run; per-round ratios in brackets):")
  for (const t of targets) {
    const ra = results.get(t.a)
    const rb = results.get(t.b)
    if (ra === undefined || rb === undefined) continue
    const ratio = meanOf(t.a) / meanOf(t.b)
    const perRound = ra.map((r, i) => r.reqPerSec / rb[i]!.reqPerSec)
    console.log(
      `  ${pad(t.note, 38)} ${pad(`${t.a} ÷ ${t.b}`, 24)} ≥ ${pad(String(t.min), 4)} ${padL(fmtRatio(ratio), 7)}  ${ratio >= t.min ? "PASS" : "FAIL"}  [${perRound.map(fmtRatio).join(" ")}]`
    )
  }
  for (const t of informational) {
    const ra = results.get(t.a)
    const rb = results.get(t.b)
    if (ra === undefined || rb === undefined) continue
    const perRound = ra.map((r, i) => r.reqPerSec / rb[i]!.reqPerSec)
    console.log(`  ${pad(t.note, 38)} ${pad(`${t.a} ÷ ${t.b}`, 24)} (info) ${padL(fmtRatio(meanOf(t.a) / meanOf(t.b)), 7)}        [${perRound.map(fmtRatio).join(" ")}]`)
  }
  console.log(`\nload average at end: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}; wall time ${((Date.now() - started) / 1000).toFixed(0)} s`)
  if (invalid > 0) console.log(`!! ${invalid} responses were not 200 with the session JSON, or failed: see the rounds above`)

  await stopChildren()
  await dropDatabases()
  if (profileDir !== undefined) console.log(`CPU profile(s) written to ${profileDir} (summarise: node bench/cpuprofile.ts ${profileDir}/*.cpuprofile)`)
  process.exitCode = invalid > 0 ? 1 : 0
}

main().catch(async (error: unknown) => {
  console.error(error)
  await stopChildren()
  await dropDatabases()
  process.exit(1)
})
