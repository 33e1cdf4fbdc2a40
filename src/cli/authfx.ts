#!/usr/bin/env node
/** The `authfx` command. Each subcommand lives in its own module. */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { migrateCommand } from "./migrate.ts"
import { secretCommand } from "./secret.ts"

const usage = `usage: authfx <command>

commands:
  migrate   apply the database migrations (DATABASE_URL; optional DATABASE_SCHEMA, DATABASE_CONNECT_TIMEOUT)
  secret    print a new random secret for AUTH_SECRET (44 base64 characters from 33 random bytes)`

const commands: Readonly<Record<string, Effect.Effect<void>>> = { migrate: migrateCommand, secret: secretCommand }

const [name] = process.argv.slice(2)
const command = name === undefined ? undefined : commands[name]

if (command !== undefined) {
  NodeRuntime.runMain(command)
} else {
  NodeRuntime.runMain(Effect.andThen(
    Console.error(name === undefined || name === "help" || name === "--help" ? usage : `unknown command ${name}\n\n${usage}`),
    Effect.sync(() => void (process.exitCode = name === "help" || name === "--help" ? 0 : 2))
  ))
}
