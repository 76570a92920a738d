/**
 * The lifecycle interpreter's error policy, as the CRT sees its result: a Discord outage while
 * bringing an alert up to date is retried until the alert shows the truth; a refusal is logged
 * and not retried; either way the transition's next effect still runs.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { AlertLifecycle } from "../../src/app/alerts/AlertLifecycle.js"
import type { Alert } from "../../src/core/Alert.js"
import type { LifecycleEvent } from "../../src/core/Lifecycle.js"
import { DiscordMemory } from "../../src/shell/discord/DiscordMemory.js"
import {
  AlertFeatures,
  current,
  editedTo,
  firstReplyTo,
  logged,
  MINUTE,
  onTwins,
  postAlert,
  ROLE,
  recordOf,
  repliesTo,
  settle,
  sleepingFor,
  sleepsFor,
  statusOf,
  USER,
  until,
} from "../support/app.js"

/** The interpreter applies `event` to the alert, as a feature would, in the background. */
const applyInBackground = (alert: Alert, event: LifecycleEvent) =>
  Effect.flatMap(AlertLifecycle, (lifecycle) => Effect.fork(lifecycle.apply(alert.id, event)))

const NOT_UPDATED = "alert message not brought up to date"

/** A Discord call that fails with 5xx even after the client's own retries. */
const OUTAGE = { status: 502 } as const
const CLIENT_ATTEMPTS = 4

describe("the interpreter's error policy", () => {
  it.effect("a Discord outage while editing an alert is retried after a back-off, and the edit lands", () =>
    onTwins(
      Effect.gen(function* () {
        const discord = yield* DiscordMemory
        const alert = yield* postAlert("high", { from: USER.river })
        yield* discord.fail("edit", OUTAGE, { target: alert.channelId, times: CLIENT_ATTEMPTS })
        yield* applyInBackground(yield* recordOf(alert), { _tag: "RepeatSuppressed" })
        yield* sleepingFor(500)
        expect((yield* current(alert)).edits).toBe(0)
        yield* TestClock.adjust("500 millis")
        const edited = yield* editedTo(alert, "the repeat", (m) =>
          statusOf(m).includes("1 more flagged message"),
        )
        expect(edited.edits).toBe(1)
        expect(yield* logged("ERROR")).toEqual([])
      }).pipe(Effect.provide(AlertFeatures)),
    ),
  )

  it.effect("a Discord outage that outlasts the retries is logged, and the next effect still runs", () =>
    onTwins(
      Effect.gen(function* () {
        const discord = yield* DiscordMemory
        const alert = yield* postAlert("high", { from: USER.sky })
        yield* discord.fail("edit", OUTAGE, { target: alert.channelId, times: 4 * CLIENT_ATTEMPTS })
        yield* applyInBackground(yield* recordOf(alert), { _tag: "MemberOptedOut" })
        for (const backOff of [500, 1_000, 2_000]) {
          yield* sleepingFor(backOff)
          yield* TestClock.adjust(backOff)
        }
        const reply = yield* firstReplyTo(alert)
        expect(reply.content).toBe(
          `<@&${ROLE.crt}> 👤 The member prefers human support. Please reach out personally.`,
        )
        expect((yield* current(alert)).edits).toBe(0)
        yield* until(
          "the failed edit to be logged",
          Effect.map(logged("ERROR"), (lines) => lines.some((l) => l.includes(NOT_UPDATED))),
        )
        expect((yield* logged("ERROR")).filter((l) => l.includes(NOT_UPDATED))).toEqual([
          expect.stringContaining("unavailable"),
        ])
      }).pipe(Effect.provide(AlertFeatures)),
    ),
  )

  it.effect("a 403 while editing is logged, not retried, and the next effect still runs", () =>
    onTwins(
      Effect.gen(function* () {
        const discord = yield* DiscordMemory
        const alert = yield* postAlert("critical", { from: USER.jade })
        // Once only: a retry would succeed and show up as an edit.
        yield* discord.fail("edit", { status: 403, code: 50001 }, { target: alert.channelId })
        yield* applyInBackground(yield* recordOf(alert), { _tag: "MemberOptedOut" })
        const reply = yield* firstReplyTo(alert)
        expect(reply.content).toContain("The member prefers human support")
        expect(yield* sleepsFor(500)).toBe(false)
        yield* settle
        expect((yield* current(alert)).edits).toBe(0)
        expect((yield* logged("ERROR")).filter((l) => l.includes(NOT_UPDATED))).toEqual([
          expect.stringContaining("forbidden"),
        ])
        // The transition itself stands: the member's preference is on record.
        expect((yield* recordOf(alert)).optedOut).toBe(true)
      }).pipe(Effect.provide(AlertFeatures)),
    ),
  )

  it.effect("a re-ping that Discord fails once (5xx) is retried and reaches the CRT exactly once", () =>
    onTwins(
      Effect.gen(function* () {
        const discord = yield* DiscordMemory
        const alert = yield* postAlert("high", { from: USER.quinn })
        yield* discord.fail("reply", OUTAGE, { target: alert.channelId, times: CLIENT_ATTEMPTS })
        yield* TestClock.adjust(10 * MINUTE)
        yield* sleepingFor(500)
        expect(yield* repliesTo(alert.messageId)).toEqual([])
        yield* TestClock.adjust("500 millis")
        yield* firstReplyTo(alert)
        yield* TestClock.adjust(10 * MINUTE)
        yield* settle
        expect(yield* repliesTo(alert.messageId)).toHaveLength(1)
      }).pipe(Effect.provide(AlertFeatures)),
    ),
  )
})

describe("edits of one alert", () => {
  it.effect("land in order: an acknowledgement whose edit is held up never hides the resolve after it", () =>
    onTwins(
      Effect.gen(function* () {
        const discord = yield* DiscordMemory
        const alert = yield* postAlert("high", { from: USER.quinn })
        const record = yield* recordOf(alert)
        // Discord makes the first edit wait (429); the resolve is stored meanwhile.
        yield* discord.fail("edit", { status: 429, retryAfterMs: 2_000 }, { target: alert.channelId })
        yield* applyInBackground(record, { _tag: "Acknowledge", by: USER.crt1 })
        yield* sleepingFor(2_000)
        yield* applyInBackground(record, { _tag: "Resolve", by: USER.crt2 })
        yield* TestClock.adjust("2 seconds")
        const closed = yield* editedTo(alert, "the resolve", (m) => statusOf(m).includes("Resolved by"))
        yield* settle
        const final = yield* current(alert)
        expect(statusOf(final)).toContain("Resolved by")
        expect(final.components).toEqual([])
        // Nothing overwrote it afterwards.
        expect(final.edits).toBe(closed.edits)
      }).pipe(Effect.provide(AlertFeatures)),
    ),
  )
})
