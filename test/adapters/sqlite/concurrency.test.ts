/**
 * Several connections to one file, as several processes of one deployment would have. Within this process
 * two layers give two connections; the last case starts real processes, so that SQLite's file locking (not
 * JavaScript's single thread) is what keeps each write single.
 */
import { afterAll, assert, describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, Option } from "effect"
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { SqliteDatabase } from "../../../src/adapters/sqlite/SqliteDatabase.ts"
import * as SqliteUsers from "../../../src/adapters/sqlite/SqliteUsers.ts"
import type { VerificationToken } from "../../../src/domain/VerificationToken.ts"
import { Users } from "../../../src/ports/Users.ts"
import { hour, newEmail, now, uuid } from "../../conformance/users/fixtures.ts"

const dir = mkdtempSync(join(tmpdir(), "authfx-sqlite-concurrency-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A store with its own connection: `Layer.fresh`, so that two of them are not memoised into one. */
const connect = (path: string) =>
  Effect.map(
    Layer.build(Layer.fresh(SqliteUsers.layer).pipe(Layer.provide(Layer.fresh(SqliteDatabase.layer({ path }))))),
    (context) => Context.get(context, Users)
  )

const newToken = (expires: Date): VerificationToken => ({ identifier: newEmail(), tokenHash: `hash-${uuid()}`, expires })

describe("SQLite stores sharing a file", () => {
  it.effect("two connections, 50 consumers each, one verification token: exactly one winner", () =>
    Effect.gen(function*() {
      const path = join(dir, "two-connections.db")
      const [a, b] = [yield* connect(path), yield* connect(path)]
      const token = newToken(new Date((yield* now) + hour))
      yield* a.createVerificationToken(token)
      const consumers = Array.from({ length: 100 }, (_, i) =>
        (i % 2 === 0 ? a : b).consumeVerificationToken(token.identifier, token.tokenHash))
      const winners = (yield* Effect.all(consumers, { concurrency: "unbounded" })).filter(Option.isSome)
      assert.strictEqual(winners.length, 1)
    }))

  it.effect("what one connection writes, the other reads at once", () =>
    Effect.gen(function*() {
      const path = join(dir, "visibility.db")
      const [a, b] = [yield* connect(path), yield* connect(path)]
      const user = yield* a.createUser({ name: null, email: newEmail(), emailVerified: null, image: null })
      assert.strictEqual(Option.getOrThrow(yield* b.getUser(user.id)).email, user.email)
      assert.isTrue(yield* b.deleteUser(user.id))
      assert.isTrue(Option.isNone(yield* a.getUser(user.id)))
    }))

  it.live("four processes racing: every token is consumed once and every e-mail gets one user", () =>
    Effect.gen(function*() {
      const path = join(dir, "processes.db")
      const store = yield* connect(path)
      const expires = new Date((yield* now) + hour)
      const tokens = Array.from({ length: 1000 }, () => newToken(expires))
      yield* Effect.forEach(tokens, store.createVerificationToken, { discard: true })
      const emails = Array.from({ length: 20 }, newEmail)

      const racers = Array.from({ length: 4 }, () => startRacer(path))
      yield* Effect.promise(() => Promise.all(racers.map((racer) => racer.ready)))
      // One start time for all, a moment ahead, so that they really run at once (not one per "go" delivered).
      const startAt = Date.now() + 200
      for (const racer of racers) racer.start({ startAt, tokens, emails })
      const results = yield* Effect.promise(() => Promise.all(racers.map((racer) => racer.result)))

      const won = results.flatMap((result) => result.won).sort()
      expect(won).toEqual(tokens.map((token) => token.tokenHash).sort())
      const created = results.flatMap((result) => result.created).sort()
      expect(created).toEqual([...emails].sort())
      const refusals = results.flatMap((result) => result.refused)
      expect(new Set(refusals)).toEqual(new Set(["EmailTaken"]))
      assert.strictEqual(refusals.length, emails.length * 3)
    }), 60_000)
})

interface RaceResult {
  readonly won: ReadonlyArray<string>
  readonly created: ReadonlyArray<string>
  readonly refused: ReadonlyArray<string>
}

const src = (file: string) => pathToFileURL(resolve(import.meta.dirname, "../../../src", file)).href

// The racer opens its own connection through the adapter and says "ready"; then it reads the race from stdin
// (the tokens, the e-mails and one start time, so that all racers start together), waits for the start,
// consumes every token and creates a user for every e-mail, each racer in its own random order (in one
// order, whoever starts first stays ahead and the others only find rows already gone), and prints what it got.
const racerScript = `
import { Effect, Exit, Layer, Option } from "effect"
const { SqliteDatabase } = await import(${JSON.stringify(src("adapters/sqlite/SqliteDatabase.ts"))})
const SqliteUsers = await import(${JSON.stringify(src("adapters/sqlite/SqliteUsers.ts"))})
const { Users } = await import(${JSON.stringify(src("ports/Users.ts"))})
const shuffled = (items) => items.map((item) => [Math.random(), item]).sort(([a], [b]) => a - b).map(([, item]) => item)
const race = Effect.gen(function*() {
  const store = yield* Users
  process.stdout.write("ready\\n")
  const { startAt, tokens, emails } = yield* Effect.promise(async () => {
    let input = ""
    for await (const chunk of process.stdin) input += chunk
    return JSON.parse(input)
  })
  yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, startAt - Date.now())))
  const won = [], created = [], refused = []
  for (const token of shuffled(tokens)) {
    const got = yield* store.consumeVerificationToken(token.identifier, token.tokenHash)
    if (Option.isSome(got)) won.push(token.tokenHash)
  }
  for (const email of shuffled(emails)) {
    const exit = yield* Effect.exit(store.createUser({ name: null, email, emailVerified: null, image: null }))
    if (Exit.isSuccess(exit)) created.push(email)
    else refused.push(exit.cause.reasons[0]?.error?._tag ?? "defect")
  }
  return { won, created, refused }
})
// The race is about correctness, not speed: on a loaded machine a racer may wait long for the file lock.
const layer = SqliteUsers.layer.pipe(Layer.provide(SqliteDatabase.layer({ path: process.env.AUTHFX_RACE_FILE, busyTimeoutMillis: 60_000 })))
const result = await Effect.runPromise(race.pipe(Effect.provide(layer)))
process.stdout.write(JSON.stringify(result) + "\\n")
`

interface Race {
  readonly startAt: number
  readonly tokens: ReadonlyArray<VerificationToken>
  readonly emails: ReadonlyArray<string>
}

const startRacer = (path: string) => {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ["--no-warnings", "--input-type=module", "-e", racerScript],
    { cwd: resolve(import.meta.dirname, "../../.."), env: { ...process.env, AUTHFX_RACE_FILE: path } }
  )
  let stdout = ""
  let stderr = ""
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
  const ready = new Promise<void>((resolveReady, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
      if (stdout.startsWith("ready\n")) resolveReady()
    })
    child.once("exit", () => reject(new Error(`racer exited before it was ready: ${stderr}`)))
  })
  const result = new Promise<RaceResult>((resolveResult, reject) => {
    child.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`racer exited with ${code}: ${stderr}`))
      const line = stdout.split("\n").filter((l) => l.length > 0).at(-1) ?? ""
      resolveResult(JSON.parse(line) as RaceResult)
    })
  })
  return { ready, result, start: (race: Race) => child.stdin.end(JSON.stringify(race)) }
}
