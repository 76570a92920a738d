/**
 * Redis stops while the bot runs: the alert is not held up by it, and its record is written when
 * Redis is back. The bot runs on a private redis-server this test can stop.
 */
import { Effect, Either, Layer, Option } from "effect"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { calendarOf } from "../../src/core/Calendar.js"
import { decodeCustomId } from "../../src/core/CustomId.js"
import { AlertStore } from "../../src/shell/AlertStore.js"
import { Redis } from "../../src/shell/Redis.js"
import { type RedisServer, startRedisServer } from "../support/redisServer.js"
import { alertFor, customIdOf, statusOf } from "./helpers.js"
import { CHANNEL, type RunningBot, startWorld, USER, type World } from "./world.js"

let server: RedisServer
let world: World
let bot: RunningBot

beforeAll(async () => {
  server = await startRedisServer()
  world = await startWorld()
  bot = await world.startBot({ BOT_REDIS_URL: server.url })
})

afterAll(async () => {
  await bot.stop()
  await world.stop()
  await server.stop()
})

afterEach(() => {
  expect(world.discord.takeViolations()).toEqual([])
})

const inRedis = <A, E>(effect: Effect.Effect<A, E, AlertStore>) =>
  Effect.runPromise(
    effect.pipe(
      Effect.provide(
        AlertStore.layer().pipe(
          Layer.provide(
            Redis.layer({
              url: server.url,
              password: Option.none(),
              keyPrefix: world.keyPrefix,
              commandTimeoutMs: 2_000,
            }),
          ),
        ),
      ),
    ),
  )

/** What a CRT member's click got back: "edited" when it changed the alert, else the follow-up text. */
const click = (alertId: string, customId: string) =>
  world.discord
    .clickButton({ messageId: alertId, customId, userId: USER.crt1 })
    .waitForCall((call) => call.kind === "follow-up" || call.kind === "edit-original", 10_000)
    .then((call) => (call.kind === "follow-up" ? JSON.stringify(call.body) : "edited"))

describe("Redis stopped", () => {
  it("a HIGH message alerts within a second of the NLP's answer; once Redis is back the alert is on record and a click acknowledges it", async () => {
    await server.crash()
    const text = "nobody would even notice if I was gone"
    let answeredAt = 0
    world.script(text, () => {
      answeredAt = Date.now()
      return world.nlp.replyFor("high")
    })
    const source = world.discord.memberSays({
      channelId: CHANNEL.general,
      userId: USER.member,
      content: text,
    })
    const alert = await alertFor(world, CHANNEL.crisis, source.id, 15_000)
    const delayMs = Date.parse(alert.timestamp) - answeredAt
    console.info(`alert posted ${delayMs} ms after the NLP's answer, with Redis stopped`)
    expect(delayMs).toBeLessThan(1_000)

    const acknowledge = customIdOf(alert, "Acknowledge")
    const { alertId } = Either.getOrThrow(decodeCustomId(acknowledge))
    expect(await click(alert.id, acknowledge)).toContain("still being recorded")

    // Longer than the record's budget: the record now waits in the bot for Redis.
    await expect
      .poll(() => world.logs.some((l) => l.text.includes(`alert ${alertId} posted but not recorded`)))
      .toBe(true)
    await server.restart()
    await expect
      .poll(() => inRedis(Effect.flatMap(AlertStore, (s) => s.get(alertId))), {
        timeout: 15_000,
        interval: 250,
      })
      .toMatchObject({ _tag: "Some" })
    expect(world.logs.map((l) => l.text)).toContainEqual(
      expect.stringContaining(`alert ${alertId} recorded now that the store answers`),
    )
    expect(await click(alert.id, acknowledge)).toBe("edited")
    const acknowledged = await world.discord.waitForEdit(alert.id, (m) =>
      statusOf(m).includes("Acknowledged"),
    )
    expect(statusOf(acknowledged)).toContain(`<@${USER.crt1}>`)
    // Redis came back empty: its counters hold exactly the alert the emulator saw while it was down.
    const day = calendarOf(Date.now(), "UTC").day
    const [stored] = await inRedis(Effect.flatMap(AlertStore, (s) => s.daily([day])))
    expect(stored?.aggregate.counts.get("totalAlerts")).toBe(1)
    expect(stored?.aggregate.counts.get("acknowledged")).toBe(1)
  }, 60_000)
})
