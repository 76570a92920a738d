import { type ChildProcess, spawn } from "node:child_process"
import { join } from "node:path"

/** Where a benchmarked bot process connects: the loopback Discord, a Redis, the NLP stand-in. */
export interface BenchInfrastructure {
  readonly discord: { readonly token: string; readonly apiUrl: string }
  readonly redisUrl: string
  readonly nlpBaseUrl: string
  readonly guildId: string
}

/**
 * The built bot (`dist/app/main.js`, as in production) in a process of its own, on the given
 * infrastructure, with the benchmark's own settings over it.
 */
export const spawnBot = (on: BenchInfrastructure, env: Readonly<Record<string, string>>): ChildProcess =>
  spawn(process.execPath, [join(process.cwd(), "dist/app/main.js")], {
    env: {
      PATH: process.env.PATH ?? "",
      BOT_DISCORD_TOKEN: on.discord.token,
      BOT_DISCORD_API_URL: on.discord.apiUrl,
      BOT_DISCORD_GUILD_ID: on.guildId,
      BOT_REDIS_URL: on.redisUrl,
      BOT_NLP_BASE_URL: on.nlpBaseUrl,
      // A report posted at start-up would land among the alerts the benchmarks count.
      BOT_WEEKLY_REPORT_ENABLED: "false",
      ...env,
    },
    stdio: ["ignore", "ignore", "inherit"],
  })
