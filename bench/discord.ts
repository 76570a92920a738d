import type { ChildProcess } from "node:child_process"
import { readFileSync } from "node:fs"
import { startDiscordEmulator } from "../test/support/discord/Emulator.js"
import type { DiscordEmulator } from "../test/support/discord/types.js"
import { startNlpStandIn } from "../test/support/nlp/NlpStandIn.js"
import { startRedisServer } from "../test/support/redisServer.js"
import { spawnBot } from "./BenchBot.js"
import { type Figures, percentile, round, waitFor } from "./Figures.js"

/**
 * The bot as its users run it: `node dist/app/main.js` in its own process, against the loopback
 * Discord, the NLP stand-in (instant replies) and a private redis-server.
 */

const GUILD = "900000000000000001"
const CRT_ROLE = "910000000000000001"
const WATCHED = "920000000000000001"
const ALERTS = "930000000000000001"
const CRT_MEMBER = "950000000000000001"
const MEMBERS = 200
const memberId = (i: number) => String(940000000000000000n + BigInt(i + 1))

const rssKb = (pid: number): number => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
}

export const discordBenchmarks = async (): Promise<Figures> => {
  const redis = await startRedisServer()
  const nlp = await startNlpStandIn()
  const discord: DiscordEmulator = await startDiscordEmulator({
    guilds: [
      {
        id: GUILD,
        roles: [{ id: CRT_ROLE, name: "CRT" }],
        channels: [
          { id: WATCHED, name: "general" },
          { id: ALERTS, name: "alerts" },
        ],
        members: [
          { id: CRT_MEMBER, username: "crt", roles: [CRT_ROLE] },
          ...Array.from({ length: MEMBERS }, (_, i) => ({ id: memberId(i), username: `member${i}` })),
        ],
      },
    ],
  })
  const alertTexts = new Set<string>()
  nlp.respond((request) => (alertTexts.has(request.message) ? nlp.replyFor("high") : undefined))
  let bot: ChildProcess | undefined
  try {
    bot = spawnBot(
      { discord, redisUrl: redis.url, nlpBaseUrl: nlp.baseUrl, guildId: GUILD },
      {
        BOT_MONITORED_CHANNELS: JSON.stringify([WATCHED]),
        BOT_ALERT_CHANNEL_MONITOR_IDS: JSON.stringify([ALERTS]),
        BOT_ALERT_CHANNEL_CRISIS_IDS: JSON.stringify([ALERTS]),
        BOT_CRT_ROLE_IDS: JSON.stringify([CRT_ROLE]),
        BOT_ALERT_COOLDOWN: "0",
      },
    )
    const pid = bot.pid ?? 0
    await waitFor(
      () => discord.gatewayEvents.some((e) => e.kind === "identify"),
      30_000,
      "the bot to connect",
    )
    await new Promise((resolve) => setTimeout(resolve, 1_000))

    // Throughput: ordinary (SAFE) messages in chunks of 5,000, each sent as fast as the bot keeps
    // up (at most 1,500 unanalysed), timed until the NLP has seen every one of them.
    const CHUNK = 5_000
    let sent = 0
    const chunk = async () => {
      const start = performance.now()
      for (let i = 0; i < CHUNK; i++) {
        discord.memberSays({
          channelId: WATCHED,
          userId: memberId(sent % MEMBERS),
          content: `ordinary message ${sent}`,
        })
        sent++
        if (i % 500 === 499)
          await waitFor(() => nlp.requests.length >= sent - 1_500, 120_000, "the bot to keep up")
      }
      await waitFor(() => nlp.requests.length >= sent, 120_000, "every message to be analysed")
      return performance.now() - start
    }
    // Resident memory swings with the garbage collector by ±15 %, so each end of the run is the
    // median of three samples, each taken 200 ms after a chunk.
    const sampleRss = async () => {
      await new Promise((resolve) => setTimeout(resolve, 200))
      return rssKb(pid)
    }
    await chunk() // warm-up
    const rssSamples: Array<number> = []
    let floodMs = 0
    for (let c = 0; c < 100_000 / CHUNK; c++) {
      floodMs += await chunk()
      rssSamples.push(await sampleRss())
    }
    const rssBefore = percentile(rssSamples.slice(0, 3), 0.5)
    const rssAfter = percentile(rssSamples.slice(-3), 0.5)

    // Alert latency: member message in → alert message at the emulator, one at a time, after five
    // warm-up alerts (the first ones load Redis scripts and compile code paths). Ten alerts a
    // second, each acknowledged: about 30 REST calls a second, inside the 50 a second discord.js
    // allows itself (Discord's global limit) — above it, discord.js holds requests for up to 1 s.
    const ALERT_INTERVAL_MS = 100
    const latencies: Array<number> = []
    const acks: Array<number> = []
    for (let i = -5; i < 200; i++) {
      const content = `crisis message ${i}`
      alertTexts.add(content)
      const start = performance.now()
      const source = discord.memberSays({ channelId: WATCHED, userId: memberId((i + 5) % MEMBERS), content })
      const alert = await discord.waitForMessage(
        ALERTS,
        (m) => m.embeds[0]?.fields?.some((f) => f.value.includes(`/${source.id})`)) ?? false,
        10_000,
      )
      const latency = performance.now() - start
      const customId = JSON.stringify(alert.components).match(/ash:v1:ack:alert_[0-9a-f]{12}/)?.[0]
      if (customId === undefined) throw new Error("no Acknowledge button")
      const click = discord.clickButton({ messageId: alert.id, customId, userId: CRT_MEMBER })
      await click.firstCallback
      const next = start + ALERT_INTERVAL_MS - performance.now()
      if (next > 0) await new Promise((resolve) => setTimeout(resolve, next))
      if (i < 0) continue
      latencies.push(latency)
      acks.push(click.responseMs ?? Number.POSITIVE_INFINITY)
    }
    console.log(
      `alert latency ms, slowest five: ${[...latencies]
        .sort((a, b) => b - a)
        .slice(0, 5)
        .map((l) => l.toFixed(1))
        .join(", ")}`,
    )
    return {
      "intake.msgs_per_sec": { value: Math.round(100_000 / (floodMs / 1_000)), unit: "messages/s" },
      "intake.alert_latency_p50_ms": { value: round(percentile(latencies, 0.5), 1), unit: "ms" },
      "intake.alert_latency_p99_ms": { value: round(percentile(latencies, 0.99), 1), unit: "ms" },
      "interaction.ack_latency_p99_ms": { value: round(percentile(acks, 0.99), 1), unit: "ms" },
      "intake.rss_growth_pct_100k_msgs": {
        value: round(((rssAfter - rssBefore) / rssBefore) * 100, 1),
        unit: "%",
      },
    }
  } finally {
    bot?.kill("SIGTERM")
    await discord.stop()
    await nlp.stop()
    await redis.stop()
  }
}
