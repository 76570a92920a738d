/**
 * Alert timers as the CRT notices them: the re-ping of an alert nobody took on, the expiry of an
 * alert nobody closed, and timers that fell due while the bot was down or that two bot processes
 * share.
 */

import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, TestClock } from "effect"
import { AlertLifecycle } from "../../src/app/alerts/AlertLifecycle.js"
import { AshContact } from "../../src/app/contact/AshContact.js"
import { RelayThreads } from "../../src/app/relay/RelayThreads.js"
import { Timers } from "../../src/app/timers/Timers.js"
import { ALERT_COLORS } from "../../src/core/AlertEmbed.js"
import { TimerStore } from "../../src/shell/TimerStore.js"
import {
  AlertFeatures,
  acknowledge,
  answered,
  buttonsOf,
  current,
  editedTo,
  firstReplyTo,
  MINUTE,
  onTwins,
  postAlert,
  press,
  ROLE,
  recordOf,
  repliesTo,
  settle,
  statusOf,
  T0,
  USER,
} from "../support/app.js"

const UNACKNOWLEDGED = `<@&${ROLE.crt}> ⏰ This alert is still unacknowledged. Can someone take it?`

describe("re-notify", () => {
  it.effect(
    "after BOT_ALERT_RENOTIFY_MINUTES without acknowledgement, the CRT is pinged once, as a reply",
    () =>
      onTwins(
        Effect.gen(function* () {
          const alert = yield* postAlert("high", { from: USER.river })
          yield* TestClock.adjust(6 * MINUTE)
          yield* settle
          expect(yield* repliesTo(alert.messageId)).toEqual([])
          yield* TestClock.adjust(MINUTE)
          const reply = yield* firstReplyTo(alert)
          expect(reply.channelId).toBe(alert.channelId)
          expect(reply.content).toBe(UNACKNOWLEDGED)
          expect(reply.sent.allowedMentions).toEqual({
            parse: [],
            roles: [ROLE.crt],
            users: [],
            repliedUser: false,
          })
          // Half an hour later: still that one reply, and no re-notify timer left.
          yield* TestClock.adjust(30 * MINUTE)
          yield* settle
          expect(yield* repliesTo(alert.messageId)).toHaveLength(1)
          const record = yield* recordOf(alert)
          expect(record.renotified).toBe(true)
          expect(yield* Effect.flatMap(TimerStore, (t) => t.dueAt(record.id, "renotify"))).toEqual(
            Option.none(),
          )
        }).pipe(Effect.provide(AlertFeatures)),
        { env: { BOT_ALERT_RENOTIFY_MINUTES: "7" } },
      ),
  )

  it.effect("a MEDIUM alert nobody acknowledged pings the CRT too when it is re-notified", () =>
    onTwins(
      Effect.gen(function* () {
        const alert = yield* postAlert("medium", { from: USER.sky })
        expect(alert.sent.allowedMentions.roles).toEqual([])
        yield* TestClock.adjust(10 * MINUTE)
        expect((yield* firstReplyTo(alert)).content).toBe(UNACKNOWLEDGED)
      }).pipe(Effect.provide(AlertFeatures)),
    ),
  )

  it.effect("no re-ping for an alert a CRT member acknowledged", () =>
    onTwins(
      Effect.gen(function* () {
        const acknowledged = yield* postAlert("high", { from: USER.river })
        const ignored = yield* postAlert("high", { from: USER.sky })
        yield* acknowledge(acknowledged, USER.crt1)
        yield* TestClock.adjust(10 * MINUTE)
        // The other alert's re-ping shows the timers due at that time have fired.
        yield* firstReplyTo(ignored)
        yield* settle
        expect(yield* repliesTo(acknowledged.messageId)).toEqual([])
      }).pipe(Effect.provide(AlertFeatures)),
    ),
  )
})

describe("expiry", () => {
  it.effect(
    "an alert nobody answered expires as unanswered: grey, its status says so, its buttons are gone",
    () =>
      onTwins(
        Effect.gen(function* () {
          const alert = yield* postAlert("critical", { from: USER.jade })
          yield* TestClock.adjust(60 * MINUTE)
          const expired = yield* editedTo(alert, "its expiry", (m) => statusOf(m).includes("Expired"))
          expect(statusOf(expired)).toBe("⌛ Expired after 1h — unanswered")
          expect(buttonsOf(expired)).toEqual([])
          expect(expired.embeds[0]?.color).toBe(ALERT_COLORS.closed)
          expect((yield* recordOf(alert)).milestones.closed).toMatchObject({
            by: "clock",
            reason: "expired",
            unanswered: true,
          })
        }).pipe(Effect.provide(AlertFeatures)),
        {
          env: {
            BOT_ALERT_EXPIRY_HOURS: "1",
            BOT_ALERT_RENOTIFY_MINUTES: "0",
            BOT_AUTO_INITIATE_ENABLED: "false",
          },
        },
      ),
  )

  it.effect("acknowledged is not answered; a recorded first response is", () =>
    onTwins(
      Effect.gen(function* () {
        const acknowledgedOnly = yield* postAlert("high", { from: USER.river })
        const answeredAlert = yield* postAlert("high", { from: USER.sky })
        yield* acknowledge(acknowledgedOnly, USER.crt1)
        yield* acknowledge(answeredAlert, USER.crt1)
        const reached = yield* press(yield* current(answeredAlert), "I reached out", USER.crt2)
        yield* answered(reached.interaction, "the edited alert", (a) => a._tag === "editOriginal")
        yield* TestClock.adjust(60 * MINUTE)
        const first = yield* editedTo(acknowledgedOnly, "its expiry", (m) => statusOf(m).includes("Expired"))
        const second = yield* editedTo(answeredAlert, "its expiry", (m) => statusOf(m).includes("Expired"))
        expect(statusOf(first)).toMatch(/⌛ Expired after 1h — unanswered$/)
        expect(statusOf(second)).toMatch(/⌛ Expired after 1h$/)
      }).pipe(Effect.provide(AlertFeatures)),
      { env: { BOT_ALERT_EXPIRY_HOURS: "1" } },
    ),
  )
})

describe("timers across restarts and processes", () => {
  it.effect(
    "a re-ping that fell due while the bot was down is sent on its first poll after the restart",
    () =>
      onTwins(
        Effect.gen(function* () {
          const alert = yield* postAlert("high", { from: USER.rowan }).pipe(Effect.provide(AlertFeatures))
          // Down from T0 to T0 + 20 min; the re-notify was due at T0 + 10 min.
          yield* TestClock.setTime(T0 + 20 * MINUTE)
          expect(yield* repliesTo(alert.messageId)).toEqual([])
          const reply = yield* firstReplyTo(alert).pipe(Effect.provide(AlertFeatures))
          expect(reply.content).toBe(UNACKNOWLEDGED)
        }),
      ),
  )

  it.effect("two bot processes polling the same timers: the CRT is re-pinged once", () =>
    onTwins(
      Effect.gen(function* () {
        const alert = yield* postAlert("critical", { from: USER.quinn })
        yield* TestClock.adjust(10 * MINUTE)
        yield* firstReplyTo(alert)
        yield* TestClock.adjust(10 * MINUTE)
        yield* settle
        expect(yield* repliesTo(alert.messageId)).toHaveLength(1)
      }).pipe(
        Effect.provide(
          Layer.merge(
            AlertFeatures,
            // A second process: its own interpreter and timer poll over the same stores and Discord.
            Layer.fresh(Timers.Live).pipe(
              Layer.provide(Layer.fresh(AlertLifecycle.Live)),
              Layer.provide(Layer.mergeAll(AshContact.Live, RelayThreads.Live)),
            ),
          ),
        ),
      ),
    ),
  )
})
