/**
 * The member's cooldown as the CRT lives it: repeats are counted on the alert they already have,
 * a worse message still alerts, and once the cooldown is over (or the alert closed) a new one does.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { DiscordMemory } from "../../src/shell/discord/DiscordMemory.js"
import {
  acknowledge,
  alertFor,
  alertsAbout,
  answered,
  CHANNEL,
  current,
  editedTo,
  intakeCounts,
  posts,
  press,
  ROLE,
  say,
  settle,
  sleepingFor,
  statusOf,
  USER,
  until,
  withBot,
} from "../support/app.js"

/** The alerts about `memberId` posted in `channelId`. */
const alertsOf = (memberId: string, channelId: string) =>
  Effect.map(posts, (all) =>
    all.filter(
      (m) => m.channelId === channelId && m.embeds[0]?.fields.some((f) => f.value === `\`${memberId}\``),
    ),
  )

describe("cooldown", () => {
  it.effect("a second HIGH within the cooldown is counted on the open alert; a CRITICAL breaks through", () =>
    withBot(
      Effect.gen(function* () {
        const alert = yield* alertFor(yield* say("high", { from: USER.quinn }))
        const repeat = yield* say("high", { from: USER.quinn, channel: CHANNEL.vent })
        const counted = yield* editedTo(alert, "the repeat", (m) =>
          statusOf(m).includes("🔁 1 more flagged message since"),
        )
        expect(counted.channelId).toBe(CHANNEL.crisis)
        expect(yield* alertsAbout(repeat)).toEqual([])
        const critical = yield* alertFor(yield* say("critical", { from: USER.quinn }))
        expect(critical.channelId).toBe(CHANNEL.critical)
        expect(critical.content).toBe(`<@&${ROLE.crt}>`)
        expect(yield* alertsOf(USER.quinn, CHANNEL.crisis)).toHaveLength(1)
      }),
    ),
  )

  it.effect("once the cooldown is over, the member's next HIGH is a new alert", () =>
    withBot(
      Effect.gen(function* () {
        const first = yield* alertFor(yield* say("high", { from: USER.jade }))
        // One second before the end of the 60-second cooldown, a repeat is still counted.
        yield* TestClock.adjust("59 seconds")
        yield* say("high", { from: USER.jade })
        yield* editedTo(first, "the repeat", (m) => statusOf(m).includes("1 more flagged message since"))
        yield* TestClock.adjust("1 second")
        const second = yield* alertFor(yield* say("high", { from: USER.jade }))
        expect(second.messageId).not.toBe(first.messageId)
        expect(second.content).toBe(`<@&${ROLE.crt}>`)
        expect(yield* alertsOf(USER.jade, CHANNEL.crisis)).toHaveLength(2)
      }),
      { env: { BOT_ALERT_COOLDOWN: "60" } },
    ),
  )

  it.effect(
    "after the CRT resolved the alert, the member's next HIGH alerts anew even within the cooldown",
    () =>
      withBot(
        Effect.gen(function* () {
          const first = yield* alertFor(yield* say("high", { from: USER.rowan }))
          yield* acknowledge(first, USER.crt1)
          const resolve = yield* press(yield* current(first), "Resolve", USER.crt1)
          yield* answered(resolve.interaction, "the resolution", (a) => a._tag === "editOriginal")
          const second = yield* alertFor(yield* say("high", { from: USER.rowan }))
          expect(second.messageId).not.toBe(first.messageId)
          expect(second.content).toBe(`<@&${ROLE.crt}>`)
          const closed = statusOf(yield* current(first))
          expect(closed).toContain(`Resolved by <@${USER.crt1}>`)
          expect(closed).not.toContain("more flagged")
        }),
      ),
  )

  it.effect(
    "a burst while Discord rate-limits the first alert: one alert, the second message counted on it",
    () =>
      withBot(
        Effect.gen(function* () {
          const discord = yield* DiscordMemory
          yield* discord.fail("post", { status: 429, retryAfterMs: 1_000 }, { target: CHANNEL.crisis })
          const first = yield* say("high", { from: USER.river })
          yield* sleepingFor(1_000)
          yield* say("high", { from: USER.river })
          yield* settle
          yield* TestClock.adjust("2 seconds")
          const alert = yield* alertFor(first)
          yield* editedTo(alert, "the second message", (m) =>
            statusOf(m).includes("1 more flagged message since"),
          )
          yield* settle
          expect(yield* alertsOf(USER.river, CHANNEL.crisis)).toHaveLength(1)
        }),
        { nlpConcurrency: 2 },
      ),
  )

  it.effect(
    "a burst whose first alert then fails on every channel: the second message is alerted, not lost",
    () =>
      withBot(
        Effect.gen(function* () {
          const discord = yield* DiscordMemory
          yield* discord.fail("post", { status: 429, retryAfterMs: 1_000 }, { target: CHANNEL.crisis })
          for (const channel of [CHANNEL.crisis, CHANNEL.monitor, CHANNEL.critical])
            yield* discord.fail("post", { status: 403, code: 50001 }, { target: channel })
          const first = yield* say("high", { from: USER.sky })
          yield* sleepingFor(1_000)
          const second = yield* say("high", { from: USER.sky })
          yield* settle
          yield* TestClock.adjust("2 seconds")
          const alert = yield* alertFor(second)
          expect(alert.channelId).toBe(CHANNEL.crisis)
          expect(statusOf(alert)).toBe("")
          expect(yield* alertsAbout(first)).toEqual([])
          yield* until(
            "the first alert to be counted as failed",
            Effect.map(intakeCounts, (c) => c.alert_post_failed_count === 1),
          )
        }),
        { nlpConcurrency: 2 },
      ),
  )
})
