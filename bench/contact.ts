import type { ChildProcess } from "node:child_process"
import { Effect, Layer, Schema } from "effect"
import type { Redis as IORedis } from "ioredis"
import { AlertId } from "../src/core/Alert.js"
import { Redis } from "../src/shell/Redis.js"
import { ResponseIndex } from "../src/shell/ResponseIndex.js"
import { startDiscordEmulator } from "../test/support/discord/Emulator.js"
import { startNlpStandIn } from "../test/support/nlp/NlpStandIn.js"
import { startRedisServer } from "../test/support/redisServer.js"
import { spawnBot } from "./BenchBot.js"
import { type Figures, percentile, round, sleep, waitFor } from "./Figures.js"
import { benchRedis } from "./store.js"

/**
 * Reaching the member: how late automatic contacts are (two bot processes sharing one timer set)
 * and what it costs to tell whether a CRT member's message is a first response.
 */

/** Calls of every command so far (INFO itself left out), from INFO commandstats. */
const commandCalls = async (client: IORedis): Promise<number> => {
  const info = await client.info("commandstats")
  let all = 0
  for (const line of info.split("\n")) {
    const match = /^cmdstat_([a-z|]+):calls=(\d+)/.exec(line.trim())
    if (match?.[2] !== undefined && match[1] !== "info") all += Number(match[2])
  }
  return all
}

const toAlertId = Schema.decodeSync(AlertId)
const alertIdOf = (i: number) => toAlertId(`alert_${i.toString(16).padStart(12, "0")}`)

const WATCHED_MEMBERS = 10_000
const THREADS = 1_000
const LOOKUPS = 5_000
const LOOKUP_CONCURRENCY = 16

/** A CRT member's message matched against 10,000 open alerts and 1,000 support threads. */
const lookupBenchmarks = async (): Promise<Figures> => {
  const server = await startRedisServer()
  try {
    const layer = ResponseIndex.Live.pipe(Layer.provideMerge(benchRedis(server.url)))
    return await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const ctx = yield* Layer.build(layer)
          const { client } = yield* Effect.provide(Redis, ctx)
          const index = yield* Effect.provide(ResponseIndex, ctx)
          const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)
          const member = (i: number) => String(940000000000000000n + BigInt(i))
          yield* Effect.forEach(
            Array.from({ length: WATCHED_MEMBERS }, (_, i) => i),
            (i) =>
              index.watchMember("1", member(i), { alertId: alertIdOf(i), sourceChannelId: "2" }, 3_600_000),
            { concurrency: 64, discard: true },
          )
          yield* Effect.forEach(
            Array.from({ length: THREADS }, (_, i) => i),
            (i) => index.watchThread(String(960000000000000000n + BigInt(i)), alertIdOf(i), 3_600_000),
            { concurrency: 64, discard: true },
          )
          const before = yield* Effect.promise(() => commandCalls(client))
          const times: Array<number> = []
          let next = 0
          yield* Effect.promise(() =>
            Promise.all(
              Array.from({ length: LOOKUP_CONCURRENCY }, async () => {
                while (next < LOOKUPS) {
                  const i = next++
                  // A reply that also mentions someone: one thread and two members to look up.
                  const candidates = {
                    threadId: String(960000000000000000n + BigInt(i % (THREADS * 2))),
                    memberIds: [member(i % WATCHED_MEMBERS), member((i * 7) % (WATCHED_MEMBERS * 2))],
                  }
                  const start = performance.now()
                  await run(index.lookup("1", candidates))
                  times.push(performance.now() - start)
                }
              }),
            ),
          )
          const after = yield* Effect.promise(() => commandCalls(client))
          return {
            "lookup.first_response_ms_p50": { value: round(percentile(times, 0.5), 3), unit: "ms" },
            "lookup.first_response_ms_p99": { value: round(percentile(times, 0.99), 3), unit: "ms" },
            "lookup.roundtrips_per_message": {
              value: round((after - before) / LOOKUPS, 2),
              unit: "round trips",
            },
          } satisfies Figures
        }),
      ),
    )
  } finally {
    await server.stop()
  }
}

const GUILD = "900000000000000001"
const CRT_ROLE = "910000000000000001"
const WATCHED = "920000000000000001"
const ALERTS = "930000000000000001"
const SUPPORT = "930000000000000004"
const ALERTS_SENT = 1_000
/** Ten alerts a second: with the contacts that follow, about 50 REST calls a second in all. */
const ALERT_INTERVAL_MS = 100
const AUTO_DELAY_MS = 3_000
const memberId = (i: number) => String(940000000000000000n + BigInt(i + 1))

/**
 * Due time → DM sent for 1,000 automatic contacts, with two bot processes polling one timer set.
 * Only the first process watches the channel (the intake is not sharded until several processes
 * are); both run the timers. Each HIGH alert is due 3 s after it was posted; the lag is the DM's
 * time minus (the alert message's time + 3 s), so it includes the few milliseconds between
 * posting the alert and recording it.
 */
const timerBenchmarks = async (): Promise<Figures> => {
  const redis = await startRedisServer()
  const nlp = await startNlpStandIn()
  const discord = await startDiscordEmulator({
    guilds: [
      {
        id: GUILD,
        roles: [{ id: CRT_ROLE, name: "CRT" }],
        channels: [
          { id: WATCHED, name: "general" },
          { id: ALERTS, name: "alerts" },
          { id: SUPPORT, name: "support" },
        ],
        members: Array.from({ length: ALERTS_SENT }, (_, i) => ({ id: memberId(i), username: `member${i}` })),
      },
    ],
  })
  nlp.respond(() => nlp.replyFor("high"))
  const bots: Array<ChildProcess> = []
  const start = (monitored: ReadonlyArray<string>) => {
    const bot = spawnBot(
      { discord, redisUrl: redis.url, nlpBaseUrl: nlp.baseUrl, guildId: GUILD },
      {
        BOT_MONITORED_CHANNELS: JSON.stringify(monitored),
        BOT_ALERT_CHANNEL_CRISIS_IDS: JSON.stringify([ALERTS]),
        BOT_CRT_ROLE_IDS: JSON.stringify([CRT_ROLE]),
        BOT_SUPPORT_CHANNEL_ID: SUPPORT,
        BOT_ALERT_COOLDOWN: "0",
        BOT_ALERT_RENOTIFY_MINUTES: "0",
        BOT_AUTO_INITIATE_DELAY_MINUTES_HIGH: String(AUTO_DELAY_MS / 60_000),
      },
    )
    bots.push(bot)
  }
  try {
    start([WATCHED])
    start([])
    await waitFor(
      () => discord.gatewayEvents.filter((e) => e.kind === "identify").length >= 2,
      30_000,
      "both bots to connect",
    )
    await sleep(1_000)
    const sources: Array<string> = []
    for (let i = 0; i < ALERTS_SENT; i++) {
      const started = performance.now()
      sources.push(discord.memberSays({ channelId: WATCHED, userId: memberId(i), content: `alert ${i}` }).id)
      const next = started + ALERT_INTERVAL_MS - performance.now()
      if (next > 0) await sleep(next)
    }
    const dmsSent = () => Array.from({ length: ALERTS_SENT }, (_, i) => discord.dmsTo(memberId(i)).length)
    await waitFor(() => dmsSent().every((n) => n >= 1), 60_000, "every automatic contact")
    await sleep(2_000)
    const alertAt = new Map<string, number>()
    for (const m of discord.messages(ALERTS)) {
      const link = m.embeds[0]?.fields?.find((f) => f.name.includes("Original"))?.value ?? ""
      const source = /\/(\d+)\)$/.exec(link)?.[1]
      if (source !== undefined) alertAt.set(source, Date.parse(m.timestamp))
    }
    const lags = sources.map((source, i) => {
      const posted = alertAt.get(source)
      const dm = discord.dmsTo(memberId(i))[0]
      if (posted === undefined || dm === undefined) throw new Error(`alert ${i} or its DM is missing`)
      return Date.parse(dm.timestamp) - (posted + AUTO_DELAY_MS)
    })
    const counts = dmsSent()
    console.log(
      `automatic contacts: ${counts.filter((n) => n === 1).length} members DMed once, ${counts.filter((n) => n > 1).length} more than once`,
    )
    return {
      "timers.fire_lag_p50_ms": { value: round(percentile(lags, 0.5), 1), unit: "ms" },
      "timers.fire_lag_p99_ms": { value: round(percentile(lags, 0.99), 1), unit: "ms" },
      "timers.duplicate_contacts": { value: counts.filter((n) => n > 1).length, unit: "members" },
    }
  } finally {
    for (const bot of bots) bot.kill("SIGTERM")
    await discord.stop()
    await nlp.stop()
    await redis.stop()
  }
}

export const contactBenchmarks = async (): Promise<Figures> => ({
  ...(await lookupBenchmarks()),
  ...(await timerBenchmarks()),
})
