import { describe, expect, it } from "vitest"
import { admitReport, clientReport, emptyWindow, linesPerWindow, type LogWindow, windowMillis } from "../../src/http/nextAuthV4/clientReport.ts"

describe("clientReport: what of a next-auth 4 report may be logged", () => {
  const cases: ReadonlyArray<readonly [string, Record<string, string>, ReturnType<typeof clientReport>]> = [
    ["a fetch error on our session endpoint", { level: "error", code: "CLIENT_FETCH_ERROR", url: "/auth/session", message: "x" },
      { level: "error", code: "CLIENT_FETCH_ERROR", endpoint: "/auth/session" }],
    ["a session error has no URL", { level: "error", code: "CLIENT_SESSION_ERROR", stack: "Error: …" },
      { level: "error", code: "CLIENT_SESSION_ERROR", endpoint: null }],
    ["a warning", { level: "warn", code: "NEXTAUTH_URL" }, { level: "warn", code: "NEXTAUTH_URL", endpoint: null }],
    ["a code with a line break", { level: "error", code: "A\nB" }, { level: "error", code: "UNKNOWN", endpoint: null }],
    ["a code in lower case", { level: "debug", code: "hello" }, { level: "debug", code: "UNKNOWN", endpoint: null }],
    ["a code of 65 characters", { level: "error", code: "A".repeat(65) }, { level: "error", code: "UNKNOWN", endpoint: null }],
    ["no code", { level: "error" }, { level: "error", code: "UNKNOWN", endpoint: null }],
    ["another site's URL", { level: "error", code: "C", url: "https://evil.example/auth/session" }, { level: "error", code: "C", endpoint: null }],
    ["our endpoint with a query", { level: "error", code: "C", url: "/auth/session?email=a@b.c" }, { level: "error", code: "C", endpoint: null }],
    ["an endpoint outside the base path", { level: "error", code: "C", url: "/api/auth/session" }, { level: "error", code: "C", endpoint: null }],
    ["an action next-auth does not fetch", { level: "error", code: "C", url: "/auth/signin" }, { level: "error", code: "C", endpoint: null }],
    ["an unknown level", { level: "fatal", code: "C" }, null],
    ["no level", { code: "C" }, null]
  ]
  for (const [name, fields, expected] of cases) {
    it(name, () => expect(clientReport(fields, "/auth")).toEqual(expected))
  }

  it("at the root (base path \"\") the endpoint is the bare path", () => {
    expect(clientReport({ level: "error", code: "C", url: "/session" }, "")?.endpoint).toBe("/session")
  })
})

describe("admitReport: at most linesPerWindow lines a window, the rest counted and said at the next window", () => {
  const run = (times: ReadonlyArray<number>) => {
    let window: LogWindow = emptyWindow
    return times.map((now) => {
      const admitted = admitReport(window, now)
      window = admitted.window
      return [admitted.log, admitted.droppedBefore] as const
    })
  }

  it("the first report of a window is logged, up to the limit; beyond it nothing", () => {
    const burst = run(Array.from({ length: linesPerWindow + 5 }, (_, i) => 1_000 + i))
    expect(burst.filter(([log]) => log)).toHaveLength(linesPerWindow)
    expect(burst.slice(linesPerWindow).every(([log]) => !log)).toBe(true)
  })

  it("the next window's first line says how many were dropped", () => {
    const times = [...Array.from({ length: linesPerWindow + 3 }, () => 0), windowMillis, windowMillis + 1]
    expect(run(times).slice(-2)).toEqual([[true, 3], [true, 0]])
  })

  it("a clock that goes back opens a new window instead of stalling", () => {
    const times = [...Array.from({ length: linesPerWindow + 1 }, () => 5_000), 4_000]
    expect(run(times).at(-1)).toEqual([true, 1])
  })
})
