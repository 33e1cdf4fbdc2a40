/**
 * Summarises V8 .cpuprofile files (from `node bench/session.ts --profile`): self time by area and by
 * function, and inclusive time of authfx's own functions.
 *
 *   node bench/cpuprofile.ts FILE... [--top 40] [--after SECONDS | --last SECONDS] [--callers REGEX]
 *
 * --after skips the samples of the first SECONDS (start-up, sign-in, minting); --last keeps only the final
 * SECONDS (the measured run ends the profile); --callers prints the three calling frames of the self time of
 * functions whose label matches REGEX.
 */
import { readFileSync } from "node:fs"
import { parseArgs } from "node:util"

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
}
interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly children?: ReadonlyArray<number>
}
interface Profile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

const { values, positionals } = parseArgs({
  options: {
    top: { type: "string", default: "40" },
    after: { type: "string", default: "0" },
    last: { type: "string" },
    callers: { type: "string" }
  },
  allowPositionals: true
})
const top = Number(values.top)
const afterMicros = Number(values.after) * 1e6
const callers = values.callers === undefined ? undefined : new RegExp(values.callers)
if (positionals.length === 0) {
  console.error("usage: node bench/cpuprofile.ts FILE.cpuprofile... [--top 40]")
  process.exit(2)
}

/** A readable place: the package (or node: module, or our src/ file) of a frame. */
const area = (frame: CallFrame): string => {
  const { url, functionName } = frame
  if (url === "") return functionName.startsWith("(") ? functionName : `(native) ${functionName || "anonymous"}`
  if (url.startsWith("node:")) return url.replace(/^node:(internal\/)?/, "node:")
  const modules = url.lastIndexOf("/node_modules/")
  if (modules !== -1) {
    const rest = url.slice(modules + "/node_modules/".length).split("/")
    const pkg = rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!
    if (pkg === "effect") {
      // effect's own areas by file: the runtime core (internal/effect) vs. http/*, Context, Schema, …
      const dist = rest.indexOf("dist")
      return `effect/${(dist === -1 ? rest.slice(1) : rest.slice(dist + 1)).join("/").replace(/\.js$/, "")}`
    }
    return pkg
  }
  const src = url.indexOf("/src/")
  if (src !== -1) return url.slice(src + 1)
  const bench = url.indexOf("/bench/")
  if (bench !== -1) return url.slice(bench + 1)
  return url
}

/** Coarse groups for GET /session, by the frame where the time is spent (first match wins). */
const groups: ReadonlyArray<readonly [string, RegExp]> = [
  ["socket write syscall (writev/write)", /^(writev|writeUtf8String|writeBuffer|writevGeneric|createWriteWrap)( |$)/],
  ["Effect.fn call-site capture (traced fn: new Error + span)", /effect\/internal\/effect:945$|makeSpanUnsafe|captureStackTrace/],
  ["SHA-256 of the token (VerifiedTokens key)", /node:crypto\/hash/],
  ["jose + WebCrypto (decrypt)", /^[^ ]+ (jose|node:crypto\/|node:webidl)/],
  ["URL parsing (new URL in requestContext, node url)", /^parse$|node:url/],
  ["Schema (decode/validate)", /effect\/(Schema|internal\/schema)/],
  ["effect/http + platform-node (router, request, headers, cookies, response)", /effect\/http\/|@effect\/platform-node/],
  ["effect runtime (fiber loop, gen, Context, pipe)", /effect\//],
  ["authfx src/ own frames", / src\//],
  ["node:http + streams + events + timers", /node:(_http|events|streams|timers|net|stream_base|async|internal\/|diagnostics)/],
  ["microtasks / nextTick", /runMicrotasks|node:process\/task_queues/],
  ["GC", /^\(garbage collector\)/],
  ["(program) / native other", /.*/]
]

const label = (frame: CallFrame): string => {
  const where = frame.url === "" ? "" : `${area(frame)}:${frame.lineNumber + 1}`
  return `${frame.functionName || "(anonymous)"} ${where}`.trim()
}

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)

  const selfByFunction = new Map<string, number>()
  const selfByArea = new Map<string, number>()
  const selfByGroup = new Map<string, number>()
  const inclusive = new Map<string, number>()
  const callerChains = new Map<string, number>()
  let total = 0
  let idle = 0
  let elapsed = 0
  const span = profile.timeDeltas.reduce((a, b) => a + b, 0)
  const from = values.last === undefined ? afterMicros : span - Number(values.last) * 1e6
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0
    elapsed += dt
    if (elapsed < from) continue
    const node = byId.get(profile.samples[i]!)
    if (node === undefined) continue
    total += dt
    if (node.callFrame.functionName === "(idle)") {
      idle += dt
      continue
    }
    const fn = label(node.callFrame)
    selfByFunction.set(fn, (selfByFunction.get(fn) ?? 0) + dt)
    const g = groups.find(([, pattern]) => pattern.test(fn))?.[0] ?? "other"
    selfByGroup.set(g, (selfByGroup.get(g) ?? 0) + dt)
    const a = area(node.callFrame)
    selfByArea.set(a, (selfByArea.get(a) ?? 0) + dt)
    if (callers !== undefined && callers.test(fn)) {
      const chain: Array<string> = [fn]
      for (let id = parent.get(node.id); id !== undefined && chain.length < 4; id = parent.get(id)) chain.push(label(byId.get(id)!.callFrame))
      const key = chain.join("\n        ← ")
      callerChains.set(key, (callerChains.get(key) ?? 0) + dt)
    }
    // Inclusive: every distinct function on the stack, once.
    const seen = new Set<string>()
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame
      if (frame.url === "" && frame.functionName.startsWith("(")) continue
      const name = label(frame)
      if (seen.has(name)) continue
      seen.add(name)
      inclusive.set(name, (inclusive.get(name) ?? 0) + dt)
    }
  }
  const busy = total - idle
  const pct = (t: number) => `${((100 * t) / busy).toFixed(1).padStart(5)}%`
  const ms = (t: number) => `${(t / 1000).toFixed(0).padStart(7)} ms`
  const print = (title: string, entries: Map<string, number>, n: number, filter: (name: string) => boolean = () => true) => {
    console.log(`\n${title}`)
    for (const [name, t] of [...entries].filter(([name]) => filter(name)).sort((a, b) => b[1] - a[1]).slice(0, n)) {
      console.log(`  ${pct(t)} ${ms(t)}  ${name}`)
    }
  }
  const window = values.last !== undefined ? ` (last ${values.last} s)` : afterMicros > 0 ? ` (after ${values.after} s)` : ""
  console.log(`${file}${window}\n  sampled ${(total / 1e6).toFixed(1)} s, idle ${(idle / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s (percentages are of busy time)`)
  print("self time by group", selfByGroup, top)
  print("self time by area", selfByArea, top)
  print("self time by function", selfByFunction, top)
  print("inclusive time, authfx src/ functions", inclusive, top, (name) => / src\//.test(name))
  print("inclusive time, everything", inclusive, top)
  if (callers !== undefined) print(`callers of ${values.callers}`, callerChains, top)
}
