import type { ChildProcess } from "node:child_process"
import { Client, Events, GatewayIntentBits } from "discord.js"
import { type APIMessage, ComponentType } from "discord-api-types/v10"
import { startDiscordEmulator } from "../test/support/discord/Emulator.js"
import { startNlpStandIn } from "../test/support/nlp/NlpStandIn.js"
import { startRedisServer } from "../test/support/redisServer.js"
import { spawnBot } from "./BenchBot.js"
import { type Figures, percentile, round, sleep, waitFor } from "./Figures.js"

/**
 * The conversation relay's latency, next to what Discord itself costs. On the loopback Discord,
 * "Discord" is a gateway event reaching a discord.js client plus one REST post back: a plain
 * discord.js echo client measures it, side by side with the bot (its own process) relaying a
 * member's DM into the staff thread, and a CRT member's thread message into the member's DM.
 */

const GUILD = "900000000000000001"
const CRT_ROLE = "910000000000000001"
const WATCHED = "920000000000000001"
const ALERTS = "930000000000000001"
const ECHO = "930000000000000009"
const CRT = "950000000000000001"
const MEMBERS = 10
const SAMPLES = 200
/**
 * The pause between samples. Discord allows a bot 50 requests a second and discord.js holds
 * requests back to keep to it; each relayed message costs the bot two or three requests (the
 * message, the NLP reading's edit, a DM), so the samples are spaced to stay under that limit —
 * what is measured is the relay, not the queue.
 */
const PACE_MS = 120
/** Samples taken and dropped first, by each client, while it warms up. */
const WARM_UP = 5
const memberId = (i: number) => String(940000000000000000n + BigInt(i + 1))

/** The custom_id of the message's button labelled `label`. */
const customIdOf = (m: APIMessage, label: string): string => {
  for (const row of m.components ?? []) {
    if (row.type !== ComponentType.ActionRow) continue
    for (const c of row.components)
      if (c.type === ComponentType.Button && "custom_id" in c && c.label === label) return c.custom_id
  }
  throw new Error(`no ${label} button on ${m.id}`)
}

const fromBot = (botId: string) => (m: APIMessage) => m.author.id === botId

/** The time from `act` to the first message in `channelId` that `match` takes. */
const timed = async (
  discord: Awaited<ReturnType<typeof startDiscordEmulator>>,
  channelId: string,
  match: (m: APIMessage) => boolean,
  act: () => void,
): Promise<number> => {
  const seen = discord.waitForMessage(channelId, match, 10_000)
  const start = performance.now()
  act()
  await seen
  return performance.now() - start
}

type Emulator = Awaited<ReturnType<typeof startDiscordEmulator>>

/** A plain discord.js client that answers every message in the echo channel: Discord's own part. */
const echoBaseline = async (discord: Emulator): Promise<ReadonlyArray<number>> => {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
    rest: { api: discord.apiUrl },
  })
  client.on(Events.MessageCreate, (m) => {
    if (m.channelId !== ECHO || m.author.id === client.user?.id || !m.channel.isSendable()) return
    void m.channel.send({ content: `echo ${m.content}`, allowedMentions: { parse: [] } })
  })
  const ready = new Promise((resolve) => client.once(Events.ClientReady, resolve))
  await client.login(discord.token)
  await ready
  const times: Array<number> = []
  try {
    for (let i = -WARM_UP; i < SAMPLES; i++) {
      const text = `ping ${i}`
      const took = await timed(
        discord,
        ECHO,
        (m) => m.content === `echo ${text}`,
        () => discord.memberSays({ channelId: ECHO, userId: memberId(0), content: text }),
      )
      if (i >= 0) times.push(took)
      await sleep(PACE_MS)
    }
    const slowest = [...times].sort((a, b) => b - a).slice(0, 5)
    console.log(`echo: slowest ${slowest.map((t) => t.toFixed(1)).join(", ")} ms`)
  } finally {
    await client.destroy()
  }
  return times
}

/** Each member has an alert, Ash has DMed them, and the staff thread is open. */
const openConversations = async (discord: Emulator): Promise<ReadonlyArray<string>> => {
  const threads: Array<string> = []
  for (let i = 0; i < MEMBERS; i++) {
    const source = discord.memberSays({ channelId: WATCHED, userId: memberId(i), content: `alert ${i}` })
    const alert = await discord.waitForMessage(
      ALERTS,
      (m) => JSON.stringify(m.embeds).includes(`/${source.id})`),
      10_000,
    )
    const customId = customIdOf(alert, "Talk to Ash")
    await discord.clickButton({ messageId: alert.id, customId, userId: CRT }).firstCallback
    await discord.waitForMessage(alert.id, (m) => m.content.includes("How to answer"), 10_000)
    threads.push(alert.id)
  }
  return threads
}

export const relayBenchmarks = async (): Promise<Figures> => {
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
          { id: ECHO, name: "echo" },
        ],
        members: [
          { id: CRT, username: "crt_sam", globalName: "Sam", roles: [CRT_ROLE] },
          ...Array.from({ length: MEMBERS }, (_, i) => ({ id: memberId(i), username: `member${i}` })),
        ],
      },
    ],
  })
  nlp.respond((request) => nlp.replyFor(request.message.startsWith("alert") ? "high" : "low"))
  let bot: ChildProcess | undefined
  try {
    const echo = await echoBaseline(discord)
    bot = spawnBot(
      { discord, redisUrl: redis.url, nlpBaseUrl: nlp.baseUrl, guildId: GUILD },
      {
        BOT_MONITORED_CHANNELS: JSON.stringify([WATCHED]),
        BOT_ALERT_CHANNEL_CRISIS_IDS: JSON.stringify([ALERTS]),
        BOT_CRT_ROLE_IDS: JSON.stringify([CRT_ROLE]),
        BOT_ALERT_COOLDOWN: "0",
        BOT_ALERT_RENOTIFY_MINUTES: "0",
        BOT_AUTO_INITIATE_ENABLED: "false",
      },
    )
    await waitFor(
      () => discord.gatewayEvents.filter((e) => e.kind === "identify").length >= 2,
      30_000,
      "the bot to connect",
    )
    await sleep(1_000)
    const threads = await openConversations(discord)
    const botId = discord.botUser.id
    const toThread: Array<number> = []
    const toMember: Array<number> = []
    for (let k = 0; k < SAMPLES; k++) {
      const i = k % MEMBERS
      const thread = threads[i] ?? ""
      const said = `member message ${k}`
      toThread.push(
        await timed(
          discord,
          thread,
          (m) => fromBot(botId)(m) && m.embeds[0]?.description === said,
          () =>
            discord.memberSays({
              channelId: discord.dmChannel(memberId(i)),
              userId: memberId(i),
              content: said,
            }),
        ),
      )
      const answer = `crt answer ${k}`
      toMember.push(
        await timed(
          discord,
          discord.dmChannel(memberId(i)),
          (m) => fromBot(botId)(m) && m.content.startsWith(answer),
          () => discord.memberSays({ channelId: thread, userId: CRT, content: answer }),
        ),
      )
      await sleep(PACE_MS)
    }
    const echoP99 = percentile(echo, 0.99)
    return {
      "relay.discord_echo_p99_ms": { value: round(echoP99, 1), unit: "ms" },
      "relay.member_to_thread_p50_ms": { value: round(percentile(toThread, 0.5), 1), unit: "ms" },
      "relay.member_to_thread_p99_ms": { value: round(percentile(toThread, 0.99), 1), unit: "ms" },
      "relay.thread_to_member_p50_ms": { value: round(percentile(toMember, 0.5), 1), unit: "ms" },
      "relay.thread_to_member_p99_ms": { value: round(percentile(toMember, 0.99), 1), unit: "ms" },
      "relay.member_to_thread_p99_beyond_discord_ms": {
        value: round(percentile(toThread, 0.99) - echoP99, 1),
        unit: "ms",
      },
      "relay.thread_to_member_p99_beyond_discord_ms": {
        value: round(percentile(toMember, 0.99) - echoP99, 1),
        unit: "ms",
      },
    }
  } finally {
    bot?.kill("SIGTERM")
    await discord.stop()
    await nlp.stop()
    await redis.stop()
  }
}
