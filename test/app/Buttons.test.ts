/**
 * The buttons under an alert as the CRT uses them: who may press, what each press answers
 * (within Discord's deadline: deferred first), what the alert then shows, and the presses that
 * must change nothing.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Features } from "../../src/app/main.js"
import { ALERT_COLORS } from "../../src/core/AlertEmbed.js"
import { calendarOf } from "../../src/core/Calendar.js"
import type { ActionRow } from "../../src/core/DiscordMessage.js"
import { AlertStore } from "../../src/shell/AlertStore.js"
import { type ButtonPress, Discord } from "../../src/shell/discord/Discord.js"
import { DiscordMemory } from "../../src/shell/discord/DiscordMemory.js"
import {
  acknowledge,
  alertFor,
  answered,
  answersTo,
  buttonsOf,
  CHANNEL,
  CRT,
  current,
  customIdOf,
  editedTo,
  ephemeralText,
  onTwins,
  outcomeOf,
  press,
  ROLE,
  recordOf,
  say,
  statusOf,
  storeTwins,
  T0,
  USER,
  withBot,
} from "../support/app.js"

const today = Effect.flatMap(AlertStore, (store) => store.daily([calendarOf(T0, "UTC").day])).pipe(
  Effect.map(([day]) => day?.aggregate.counts),
)

/** How the bot answered a press, in order. */
const answerTags = (pressed: ButtonPress) =>
  Effect.map(answersTo(pressed.interaction), (list) => list.map((a) => a._tag))

describe("who may press", () => {
  it.effect("a member without the CRT role is refused ephemerally and nothing changes", () =>
    withBot(
      Effect.gen(function* () {
        const alert = yield* alertFor(yield* say("high", { from: USER.quinn }))
        const refused = yield* press(alert, "Acknowledge", USER.bystander, [ROLE.member])
        expect(yield* ephemeralText(refused.interaction)).toBe(
          "⛔ Only members of the Crisis Response Team can act on alerts.",
        )
        expect(yield* answerTags(refused)).toEqual(["reply"])
        expect((yield* current(alert)).edits).toBe(0)
        expect((yield* recordOf(alert)).milestones.acknowledged).toBeNull()
      }),
    ),
  )
})

describe("acknowledging", () => {
  it.effect(
    "a CRT member acknowledges: the press is deferred, then the alert shows who and the next buttons",
    () =>
      withBot(
        Effect.gen(function* () {
          const alert = yield* alertFor(yield* say("high", { from: USER.quinn }))
          const ack = yield* press(alert, "Acknowledge", USER.crt1)
          yield* answered(ack.interaction, "the edited alert", (a) => a._tag === "editOriginal")
          expect(yield* answerTags(ack)).toEqual(["deferUpdate", "editOriginal"])
          const edited = yield* current(alert)
          expect(statusOf(edited)).toMatch(new RegExp(`^✅ Acknowledged by <@${USER.crt1}> after `))
          expect(buttonsOf(edited)).toEqual(["Talk to Ash", "I reached out", "Resolve"])
          expect(edited.embeds[0]?.color).toBe(ALERT_COLORS.handled)
          // Brought up to date from the posted embed: the member's message is still there, and the
          // edit pings nobody again.
          expect(edited.embeds[0]?.fields.map((f) => f.name)).toContain("📝 Message")
          expect(edited.embeds[0]?.title).toBe("🔶 Crisis Alert")
          const [, editOriginal] = yield* answersTo(ack.interaction)
          expect(editOriginal?._tag === "editOriginal" && editOriginal.edit.allowedMentions.roles).toEqual([])
          expect((yield* today)?.get("acknowledged")).toBe(1)
        }),
      ),
  )

  it.effect("two CRT members at once: one wins, the other is told who acknowledged", () =>
    withBot(
      Effect.gen(function* () {
        const alert = yield* alertFor(yield* say("critical", { from: USER.jade }))
        const first = yield* press(alert, "Acknowledge", USER.crt1)
        const second = yield* press(alert, "Acknowledge", USER.crt2)
        const outcomes = [yield* outcomeOf(first.interaction), yield* outcomeOf(second.interaction)]
        expect(outcomes.filter((a) => a._tag === "editOriginal")).toHaveLength(1)
        const winner = outcomes[0]?._tag === "editOriginal" ? USER.crt1 : USER.crt2
        const loser = outcomes.find((a) => a._tag === "followUp")
        expect(loser?._tag === "followUp" && loser.content).toMatch(
          new RegExp(`^✅ Already acknowledged by <@${winner}>, `),
        )
        const edited = yield* current(alert)
        expect(edited.edits).toBe(1)
        expect(statusOf(edited)).toContain(`Acknowledged by <@${winner}>`)
        expect((yield* today)?.get("acknowledged")).toBe(1)
      }),
    ),
  )
})

describe("I reached out and Resolve", () => {
  it.effect("after Acknowledge, I reached out records the first response; Resolve closes the alert", () =>
    withBot(
      Effect.gen(function* () {
        const alert = yield* alertFor(yield* say("high", { from: USER.river }))
        expect(buttonsOf(alert)).not.toContain("Resolve")
        yield* acknowledge(alert, USER.crt1)
        const reached = yield* press(yield* current(alert), "I reached out", USER.crt2)
        yield* answered(reached.interaction, "the edited alert", (a) => a._tag === "editOriginal")
        const responded = yield* current(alert)
        expect(statusOf(responded)).toMatch(
          new RegExp(`💬 First human response by <@${USER.crt2}> after .+ \\(self-reported\\)`),
        )
        expect(buttonsOf(responded)).toEqual(["Resolve"])
        const resolve = yield* press(responded, "Resolve", USER.crt1)
        yield* answered(resolve.interaction, "the edited alert", (a) => a._tag === "editOriginal")
        const closed = yield* current(alert)
        expect(statusOf(closed)).toMatch(new RegExp(`🔒 Resolved by <@${USER.crt1}> after `))
        expect(buttonsOf(closed)).toEqual([])
        expect(closed.embeds[0]?.color).toBe(ALERT_COLORS.closed)
        const record = yield* recordOf(alert)
        expect(record.milestones.closed).toMatchObject({
          by: USER.crt1,
          reason: "resolved",
          unanswered: false,
        })
        const counts = yield* today
        expect([counts?.get("acknowledged"), counts?.get("responded"), counts?.get("resolved")]).toEqual([
          1, 1, 1,
        ])
      }),
    ),
  )

  it.effect("two Resolve presses at once: the alert is closed once, the other is told by whom", () =>
    withBot(
      Effect.gen(function* () {
        const alert = yield* alertFor(yield* say("medium", { from: USER.rowan }))
        yield* acknowledge(alert, USER.crt1)
        const acknowledged = yield* current(alert)
        const first = yield* press(acknowledged, "Resolve", USER.crt1)
        const second = yield* press(acknowledged, "Resolve", USER.crt2)
        const outcomes = [yield* outcomeOf(first.interaction), yield* outcomeOf(second.interaction)]
        expect(outcomes.filter((a) => a._tag === "editOriginal")).toHaveLength(1)
        const closer = outcomes[0]?._tag === "editOriginal" ? USER.crt1 : USER.crt2
        const other = outcomes.find((a) => a._tag === "followUp")
        expect(other?._tag === "followUp" && other.content).toMatch(
          new RegExp(`^🔒 This alert was resolved by <@${closer}>, `),
        )
        expect(statusOf(yield* current(alert))).toContain(`Resolved by <@${closer}>`)
        expect((yield* current(alert)).edits).toBe(2)
        expect((yield* today)?.get("resolved")).toBe(1)
      }),
    ),
  )
})

describe("presses that change nothing", () => {
  it.effect(
    "a button the bot does not know (forged, another format, another version) is 'unknown or expired'",
    () =>
      withBot(
        Effect.gen(function* () {
          const discord = yield* Discord
          const control = yield* DiscordMemory
          const alert = yield* alertFor(yield* say("medium", { from: USER.rowan }))
          const forged = [
            "ash_ack:1:2",
            "persistent:ash_ack",
            "ash:v9:ack:alert_0123456789ab",
            "ash:v1:delete:alert_0123456789ab",
            `${customIdOf(alert, "Acknowledge")} `,
            "ash:v1:ack:alert_0123456789AB",
          ]
          // A message carrying such buttons, as an older version of the bot (or a forgery) left it.
          const row: ActionRow = {
            type: 1,
            components: forged.map((customId, i) => ({
              type: 2,
              style: 2,
              label: `Button ${i}`,
              emoji: { name: "❓" },
              customId,
            })),
          }
          const old = yield* discord.post(CHANNEL.monitor, {
            content: "an old alert",
            components: [row],
            allowedMentions: { parse: [], roles: [], users: [], repliedUser: false },
          })
          for (const customId of forged) {
            const pressed = yield* control.press({
              messageId: old.messageId,
              customId,
              userId: USER.crt1,
              roleIds: CRT,
            })
            expect(yield* ephemeralText(pressed.interaction)).toBe(
              "⚠️ Unknown or expired button. Nothing was changed.",
            )
            expect(yield* answerTags(pressed)).toEqual(["reply"])
          }
          expect((yield* current(alert)).edits).toBe(0)
          expect((yield* recordOf(alert)).version).toBe(0)
        }),
      ),
  )

  it.effect("an alert no longer on record: the press says so and the message is left as it is", () =>
    onTwins(
      Effect.gen(function* () {
        const alert = yield* alertFor(yield* say("high", { from: USER.jade })).pipe(Effect.provide(Features))
        // The bot comes back with its records gone (expired or lost); the message is still on Discord.
        const pressed = yield* Effect.gen(function* () {
          const p = yield* press(alert, "Acknowledge", USER.crt1)
          yield* ephemeralText(p.interaction)
          return p
        }).pipe(Effect.provide(Features), Effect.provide(storeTwins()))
        expect(yield* answersTo(pressed.interaction)).toEqual([
          { _tag: "deferUpdate" },
          {
            _tag: "followUp",
            content: "⚠️ This alert is no longer on record (it may have expired). Nothing was changed.",
          },
        ])
        expect((yield* current(alert)).edits).toBe(0)
      }),
    ),
  )
})

describe("restarts", () => {
  it.effect("a press on an alert posted before the bot restarted still works", () =>
    onTwins(
      Effect.gen(function* () {
        const alert = yield* alertFor(yield* say("high", { from: USER.river })).pipe(Effect.provide(Features))
        yield* Effect.gen(function* () {
          const ack = yield* press(alert, "Acknowledge", USER.crt2)
          yield* answered(ack.interaction, "the edited alert", (a) => a._tag === "editOriginal")
        }).pipe(Effect.provide(Features))
        expect(statusOf(yield* editedTo(alert, "the acknowledgement", (m) => m.edits === 1))).toContain(
          `Acknowledged by <@${USER.crt2}>`,
        )
      }),
    ),
  )
})
