import { PermissionFlagsBits } from "discord-api-types/v10"
import { Cause, Clock, ConfigProvider, Effect, Exit, Fiber, Layer, Logger } from "effect"
import { afterAll, afterEach, beforeAll, expect, inject } from "vitest"
import { BotLive } from "../../src/app/main.js"
import { startDiscordEmulator } from "../support/discord/Emulator.js"
import type { DiscordEmulator } from "../support/discord/types.js"
import { type NlpStandIn, type StandInReply, startNlpStandIn } from "../support/nlp/NlpStandIn.js"
import { uniquePrefix } from "../support/redis.js"

export const GUILD = "900000000000000001"

import { CHANNEL, ROLE } from "../support/community.js"

export { CHANNEL, ROLE }
export const USER = {
  member: "940000000000000001",
  other: "940000000000000002",
  crt1: "950000000000000001",
  crt2: "950000000000000002",
  bystander: "960000000000000001",
  quinn: "940000000000000003",
  jade: "940000000000000004",
  rowan: "940000000000000005",
  otherBot: "970000000000000001",
} as const

export interface World {
  readonly discord: DiscordEmulator
  readonly nlp: NlpStandIn
  readonly env: Record<string, string>
  /** The Redis key prefix of this world's bot. */
  readonly keyPrefix: string
  /** What the NLP answers for a message with exactly this text (called per request). */
  readonly script: (text: string, reply: () => StandInReply) => void
  /** Start the bot in this process (the production layers, configured from `env`). */
  readonly startBot: (overrides?: Record<string, string>) => Promise<RunningBot>
  /**
   * Moves the bots' clock (Effect's Clock: alert times, days, timers, report times) so that it
   * reads `at` now and runs on from there; Discord's own timestamps stay real.
   */
  readonly setClock: (at: number) => void
  /** What the bots of this world logged, oldest first. */
  readonly logs: ReadonlyArray<LogLine>
  readonly stop: () => Promise<void>
}

export interface LogLine {
  readonly level: string
  readonly text: string
}

export interface RunningBot {
  readonly stop: () => Promise<void>
}

/** A loopback Discord with one guild, the NLP stand-in, and the environment the bot runs from. */
export const startWorld = async (): Promise<World> => {
  const discord = await startDiscordEmulator({
    guilds: [
      {
        id: GUILD,
        roles: [
          // The CRT may manage threads (in the support channel, in a real guild): it sees the
          // private threads Ash opens for members whose DMs are closed.
          { id: ROLE.crt, name: "CRT", mentionable: false, permissions: PermissionFlagsBits.ManageThreads },
          { id: ROLE.member, name: "Member" },
          // The bot's own role: it may delete a support thread whose welcome could not be posted.
          { id: "910000000000000003", name: "Ash", permissions: PermissionFlagsBits.ManageThreads },
        ],
        botRoles: ["910000000000000003"],
        channels: [
          { id: CHANNEL.general, name: "general" },
          { id: CHANNEL.vent, name: "vent" },
          { id: CHANNEL.offTopic, name: "off-topic" },
          { id: CHANNEL.monitor, name: "crisis-monitor" },
          { id: CHANNEL.crisis, name: "crisis-response" },
          { id: CHANNEL.critical, name: "crisis-critical" },
          { id: CHANNEL.support, name: "support" },
        ],
        members: [
          { id: USER.member, username: "river", globalName: "River", roles: [ROLE.member] },
          { id: USER.other, username: "sky", roles: [ROLE.member] },
          { id: USER.crt1, username: "crt_alex", globalName: "Alex", roles: [ROLE.crt] },
          { id: USER.crt2, username: "crt_sam", globalName: "Sam", roles: [ROLE.crt] },
          { id: USER.bystander, username: "bystander", roles: [ROLE.member] },
          { id: USER.quinn, username: "quinn", roles: [ROLE.member] },
          { id: USER.jade, username: "jade", roles: [ROLE.member] },
          { id: USER.rowan, username: "rowan", roles: [ROLE.member] },
          { id: USER.otherBot, username: "another_bot", bot: true },
        ],
      },
    ],
  })
  const nlp = await startNlpStandIn()
  const scripted = new Map<string, () => StandInReply>()
  nlp.respond((request) => scripted.get(request.message)?.())
  const env: Record<string, string> = {
    BOT_DISCORD_TOKEN: discord.token,
    BOT_DISCORD_API_URL: discord.apiUrl,
    BOT_DISCORD_GUILD_ID: GUILD,
    BOT_REDIS_URL: inject("redisUrl"),
    BOT_NLP_BASE_URL: nlp.baseUrl,
    BOT_NLP_TIMEOUT: "1",
    BOT_NLP_RETRY_DELAY: "0",
    BOT_CB_NLP_TIMEOUT: "1",
    BOT_MONITORED_CHANNELS: JSON.stringify([CHANNEL.general, CHANNEL.vent]),
    BOT_ALERT_CHANNEL_MONITOR_IDS: JSON.stringify([CHANNEL.monitor]),
    BOT_ALERT_CHANNEL_CRISIS_IDS: JSON.stringify([CHANNEL.crisis]),
    BOT_ALERT_CHANNEL_CRITICAL_IDS: JSON.stringify([CHANNEL.critical]),
    BOT_CRT_ROLE_IDS: JSON.stringify([ROLE.crt]),
    BOT_SUPPORT_CHANNEL_ID: CHANNEL.support,
    BOT_TIMER_POLL_MS: "200",
    BOT_WEEKLY_REPORT_ENABLED: "false",
  }
  // Each world keeps its Redis keys apart from every other test's.
  const prefix = uniquePrefix("e2e")
  const logs: Array<LogLine> = []
  const capture = Logger.add(
    Logger.make(({ logLevel, message }) => {
      const text = Array.isArray(message) ? message.map(String).join(" ") : String(message)
      logs.push({ level: logLevel.label, text })
    }),
  )
  let offsetMs = 0
  const real = Clock.make()
  const clock: Clock.Clock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => real.unsafeCurrentTimeMillis() + offsetMs,
    currentTimeMillis: Effect.sync(() => real.unsafeCurrentTimeMillis() + offsetMs),
    unsafeCurrentTimeNanos: () => real.unsafeCurrentTimeNanos() + BigInt(offsetMs) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => real.unsafeCurrentTimeNanos() + BigInt(offsetMs) * 1_000_000n),
    sleep: (duration) => real.sleep(duration),
  }
  const startBot = async (overrides: Record<string, string> = {}): Promise<RunningBot> => {
    const provider = ConfigProvider.fromMap(
      new Map(Object.entries({ ...env, BOT_REDIS_KEY_PREFIX: prefix, ...overrides })),
    )
    let started: () => void = () => undefined
    let failed: (error: Error) => void = () => undefined
    const ready = new Promise<void>((resolve, reject) => {
      started = resolve
      failed = reject
    })
    const fiber = Effect.runFork(
      Effect.scoped(
        Effect.gen(function* () {
          yield* Layer.build(BotLive)
          started()
          return yield* Effect.never
        }),
      ).pipe(Effect.withConfigProvider(provider), Effect.withClock(clock), Effect.provide(capture)),
    )
    fiber.addObserver((exit) => {
      if (Exit.isFailure(exit)) failed(new Error(`bot stopped: ${Cause.pretty(exit.cause)}`))
    })
    await ready
    return { stop: () => Effect.runPromise(Fiber.interrupt(fiber)).then(() => undefined) }
  }
  return {
    discord,
    nlp,
    env,
    keyPrefix: prefix,
    script: (text, reply) => {
      scripted.set(text, reply)
    },
    startBot,
    setClock: (at) => {
      offsetMs = at - Date.now()
    },
    logs,
    stop: async () => {
      await discord.stop()
      await nlp.stop()
    },
  }
}

/** This test file's world and bot: started before its tests, stopped after them. */
export interface FileWorld {
  readonly world: World
  /** Stop the bot and start it again on the same world, as a restart would; `downMs` apart. */
  readonly restartBot: (downMs?: number) => Promise<void>
}

/**
 * A world for the test file that calls it: one bot started before its tests and stopped after;
 * after each test, the emulator must have seen no violation of Discord's rules.
 */
export const worldForFile = (overrides: Record<string, string> = {}): FileWorld => {
  let started: { world: World; bot: RunningBot } | undefined
  const current = () => {
    if (started === undefined) throw new Error("the world starts in beforeAll")
    return started
  }
  beforeAll(async () => {
    const world = await startWorld()
    started = { world, bot: await world.startBot(overrides) }
  })
  afterAll(async () => {
    await started?.bot.stop()
    await started?.world.stop()
  })
  afterEach(() => {
    expect(current().world.discord.takeViolations()).toEqual([])
  })
  return {
    get world() {
      return current().world
    },
    restartBot: async (downMs = 0) => {
      const { world, bot } = current()
      await bot.stop()
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs))
      started = { world, bot: await world.startBot(overrides) }
    },
  }
}
