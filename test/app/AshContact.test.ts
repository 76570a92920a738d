import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, TestClock } from "effect"
import { checkSupportChannel } from "../../src/app/contact/SupportChannel.js"
import { BotSettings } from "../../src/app/runtime/BotSettings.js"
import { DEFAULT_TEMPLATES } from "../../src/core/AshWelcome.js"
import { DiscordMemory, type StoredMessage } from "../../src/shell/discord/DiscordMemory.js"
import { MemberStore } from "../../src/shell/MemberStore.js"
import { RedisError } from "../../src/shell/Redis.js"
import {
  AlertFeatures,
  acknowledge,
  botMessagesIn,
  buttonsOf,
  CHANNEL,
  customIdOf,
  dmsTo,
  editedTo,
  ephemeralText,
  eventually,
  firstReplyTo,
  GUILD,
  logged,
  MINUTE,
  onTwins,
  postAlert,
  press,
  ROLE,
  recordOf,
  repliesTo,
  settle,
  statusOf,
  USER,
} from "../support/app.js"

const postsIn = botMessagesIn

const firstDmTo = (userId: string) =>
  eventually(
    `a DM to ${userId}`,
    Effect.map(dmsTo(userId), (dms) => Option.fromNullable(dms[0])),
  )

const onlyThread = eventually(
  "a private thread",
  Effect.map(
    Effect.flatMap(DiscordMemory, (d) => d.threads),
    (threads) => Option.fromNullable(threads[0]),
  ),
)

/** Someone presses "I'd rather talk to a person" on Ash's welcome (in a DM: no roles). */
const pressOptOut = (welcome: StoredMessage, userId: string) =>
  Effect.flatMap(DiscordMemory, (d) =>
    d.press({
      messageId: welcome.messageId,
      customId: customIdOf(welcome, "I'd rather talk to a person"),
      userId,
      roleIds: [],
    }),
  )

/** Ash's contact is on the alert (its status names it). */
const contacted = (alert: StoredMessage) =>
  editedTo(alert, "Ash's contact", (m) => statusOf(m).includes("Ash reached out"))

/** No automatic contact, unless a test turns it on: the manual cases stay apart from the timer. */
const MANUAL_ONLY = { env: { BOT_AUTO_INITIATE_ENABLED: "false" } }

describe("Talk to Ash", () => {
  it.effect(
    "DMs the member a welcome with the crisis lines and an opt-out button; the alert says who and how",
    () =>
      onTwins(
        Effect.gen(function* () {
          const alert = yield* postAlert("high", { from: USER.sky })
          yield* TestClock.adjust(MINUTE)
          yield* press(alert, "Talk to Ash", USER.crt2)
          const dm = yield* firstDmTo(USER.sky)
          expect(dm.content).toBe(DEFAULT_TEMPLATES.welcome.manual.high.replace("{member}", `<@${USER.sky}>`))
          expect(dm.content).not.toContain("{")
          expect(dm.sent.allowedMentions).toEqual({
            parse: [],
            roles: [],
            users: [USER.sky],
            repliedUser: false,
          })
          expect(dm.embeds[0]?.description).toContain("988 Suicide & Crisis Lifeline")
          expect(dm.embeds[0]?.description).toContain("The Trevor Project")
          expect(dm.embeds[0]?.description).toContain("Trans Lifeline")
          expect(buttonsOf(dm)).toEqual(["I'd rather talk to a person"])
          const shown = yield* contacted(alert)
          expect(statusOf(shown)).toBe(`💬 Ash reached out for <@${USER.crt2}> after 1m, by DM`)
          expect(buttonsOf(shown)).not.toContain("Talk to Ash")
          expect((yield* recordOf(alert)).milestones.ashContacted).toMatchObject({
            by: USER.crt2,
            mode: "manual",
            via: "dm",
            threadId: null,
            elapsedMs: MINUTE,
          })
        }).pipe(Effect.provide(AlertFeatures)),
        MANUAL_ONLY,
      ),
  )

  it.effect(
    "DMs closed: a private thread in the support channel holds the member, the presser and the welcome",
    () =>
      onTwins(
        Effect.gen(function* () {
          const discord = yield* DiscordMemory
          yield* discord.closeDms(USER.sky)
          const alert = yield* postAlert("critical", { from: USER.sky })
          yield* press(alert, "Talk to Ash", USER.crt1)
          const thread = yield* onlyThread
          expect(thread.channelId).toBe(CHANNEL.support)
          expect(thread.memberIds).toEqual(expect.arrayContaining([USER.sky, USER.crt1]))
          yield* contacted(alert)
          // The presser and the member are in it; the rest of the CRT sees it by managing threads.
          expect((yield* onlyThread).memberIds).not.toContain(USER.crt2)
          const [welcome, note] = yield* postsIn(thread.threadId)
          expect(welcome?.content).toContain(`<@${USER.sky}>`)
          expect(buttonsOf(welcome ?? alert)).toEqual(["I'd rather talk to a person"])
          expect(note?.sent.allowedMentions.roles).toEqual([ROLE.crt])
          expect(yield* dmsTo(USER.sky)).toEqual([])
          const shown = yield* contacted(alert)
          expect(statusOf(shown)).toContain(`in a private thread: <#${thread.threadId}>`)
          expect((yield* recordOf(alert)).milestones.ashContacted).toMatchObject({
            via: "thread",
            threadId: thread.threadId,
          })
        }).pipe(Effect.provide(AlertFeatures)),
        MANUAL_ONLY,
      ),
  )

  it.effect(
    "DM and thread both failing: shown on the alert, the CRT re-pinged once, nothing recorded, Talk to Ash again",
    () =>
      onTwins(
        Effect.gen(function* () {
          const discord = yield* DiscordMemory
          yield* discord.closeDms(USER.sky)
          yield* discord.fail("openPrivateThread", { status: 403, code: 50001 })
          const alert = yield* postAlert("high", { from: USER.sky })
          yield* press(alert, "Talk to Ash", USER.crt1)
          const failed = yield* editedTo(alert, "the failure", (m) => statusOf(m).includes("could not reach"))
          expect(statusOf(failed)).toBe("⚠️ Ash could not reach the member")
          expect(buttonsOf(failed)).toContain("Talk to Ash")
          const [ping, ...more] = yield* repliesTo(alert.messageId)
          expect(ping?.content).toContain(`<@&${ROLE.crt}>`)
          expect(more).toEqual([])
          const record = yield* recordOf(alert)
          expect([record.milestones.ashContacted, record.contactRequest, record.contactFailures]).toEqual([
            null,
            null,
            1,
          ])
          // The thread works the second time.
          yield* press(failed, "Talk to Ash", USER.crt2)
          yield* contacted(alert)
          expect((yield* recordOf(alert)).milestones.ashContacted).toMatchObject({
            by: USER.crt2,
            via: "thread",
          })
          expect(yield* repliesTo(alert.messageId)).toHaveLength(1)
        }).pipe(Effect.provide(AlertFeatures)),
        MANUAL_ONLY,
      ),
  )
})

describe("when the member's opt-out cannot be read", () => {
  // The member store answers until the test makes its opt-out unreadable (Redis gone).
  let unreadable = false
  const FlakyMembers = Layer.effect(
    MemberStore,
    Effect.map(MemberStore, (members) => ({
      ...members,
      isOptedOut: (guildId: string, memberId: string) =>
        unreadable
          ? Effect.fail(new RedisError({ operation: "member.isOptedOut", cause: "connection lost" }))
          : members.isOptedOut(guildId, memberId),
    })),
  )

  it.effect("Ash does not contact the member: the alert says so and the CRT is pinged", () =>
    onTwins(
      Effect.gen(function* () {
        unreadable = false
        const alert = yield* postAlert("critical", { from: USER.sky })
        unreadable = true
        yield* press(alert, "Talk to Ash", USER.crt1)
        const failed = yield* editedTo(alert, "the failure", (m) => statusOf(m).includes("could not reach"))
        expect(statusOf(failed)).toBe("⚠️ Ash could not reach the member")
        const ping = yield* firstReplyTo(alert)
        expect(ping.content).toContain(`<@&${ROLE.crt}>`)
        expect(yield* dmsTo(USER.sky)).toEqual([])
        expect((yield* logged("WARN")).some((w) => w.includes("opt-out could not be read"))).toBe(true)
      }).pipe(Effect.provide(AlertFeatures), Effect.provide(FlakyMembers)),
      MANUAL_ONLY,
    ),
  )
})

describe("a support thread whose welcome cannot be posted", () => {
  it.effect("is deleted, so the member is not left in an empty thread; the contact failed", () =>
    onTwins(
      Effect.gen(function* () {
        const discord = yield* DiscordMemory
        yield* discord.closeDms(USER.sky)
        const alert = yield* postAlert("high", { from: USER.sky })
        yield* discord.fail("post", { status: 403, code: 50001 }, { times: 1 })
        yield* press(alert, "Talk to Ash", USER.crt1)
        const failed = yield* editedTo(alert, "the failure", (m) => statusOf(m).includes("could not reach"))
        expect(statusOf(failed)).toBe("⚠️ Ash could not reach the member")
        expect(yield* discord.threads).toEqual([])
        expect((yield* recordOf(alert)).milestones.ashContacted).toBeNull()
      }).pipe(Effect.provide(AlertFeatures)),
      MANUAL_ONLY,
    ),
  )
})

describe("auto-initiate", () => {
  const FAST_POLL = { BOT_TIMER_POLL_MS: "250" }

  it.effect(
    "reaches HIGH after 5 minutes and CRITICAL after 3, never MEDIUM by default; the automatic welcome says so",
    () =>
      onTwins(
        Effect.gen(function* () {
          const high = yield* postAlert("high", { from: USER.sky })
          const critical = yield* postAlert("critical", { from: USER.river })
          const medium = yield* postAlert("medium", { from: USER.quinn })
          yield* TestClock.adjust(3 * MINUTE - 1_000)
          yield* settle
          expect(yield* dmsTo(USER.river)).toEqual([])
          yield* TestClock.adjust(1_000)
          const toRiver = yield* firstDmTo(USER.river)
          expect(toRiver.content).toContain("no person wrote it")
          expect(yield* dmsTo(USER.sky)).toEqual([])
          yield* TestClock.adjust(2 * MINUTE)
          yield* firstDmTo(USER.sky)
          // MEDIUM has no automatic contact at all: no timer was set for it.
          expect((yield* recordOf(medium)).deadlines.autoContactAt).toBeNull()
          expect(yield* dmsTo(USER.quinn)).toEqual([])
          expect(statusOf(yield* contacted(high))).toBe("🤖 Ash reached out automatically after 5m, by DM")
          expect((yield* recordOf(critical)).milestones.ashContacted).toMatchObject({
            mode: "auto",
            elapsedMs: 3 * MINUTE,
          })
          expect((yield* recordOf(medium)).milestones.ashContacted).toBeNull()
          // Acknowledge still works after Ash reached out.
          const acked = yield* acknowledge(high, USER.crt1)
          expect(acked.some((a) => a._tag === "editOriginal")).toBe(true)
          expect((yield* recordOf(high)).milestones.acknowledged?.by).toBe(USER.crt1)
        }).pipe(Effect.provide(AlertFeatures)),
        { env: FAST_POLL },
      ),
  )

  it.effect("an acknowledgement or a manual contact before the delay prevents it", () =>
    onTwins(
      Effect.gen(function* () {
        const acked = yield* postAlert("critical", { from: USER.sky })
        const manual = yield* postAlert("critical", { from: USER.river })
        yield* acknowledge(acked, USER.crt1)
        yield* press(manual, "Talk to Ash", USER.crt2)
        yield* firstDmTo(USER.river)
        yield* TestClock.adjust(10 * MINUTE)
        yield* settle
        expect(yield* dmsTo(USER.sky)).toEqual([])
        expect(yield* dmsTo(USER.river)).toHaveLength(1)
        expect((yield* recordOf(manual)).milestones.ashContacted?.mode).toBe("manual")
      }).pipe(Effect.provide(AlertFeatures)),
    ),
  )

  it.effect("decimal minutes: 0.05 is three seconds, per severity, MEDIUM too when set", () =>
    onTwins(
      Effect.gen(function* () {
        yield* postAlert("medium", { from: USER.quinn })
        yield* TestClock.adjust(2_750)
        yield* settle
        expect(yield* dmsTo(USER.quinn)).toEqual([])
        yield* TestClock.adjust(250)
        const dm = yield* firstDmTo(USER.quinn)
        expect(dm.content).toContain("automated message")
      }).pipe(Effect.provide(AlertFeatures)),
      { env: { ...FAST_POLL, BOT_AUTO_INITIATE_DELAY_MINUTES_MEDIUM: "0.05" } },
    ),
  )
})

describe("opt-out", () => {
  it.effect("pressed after the alert was resolved: the CRT is still told, under the alert", () =>
    onTwins(
      Effect.gen(function* () {
        const alert = yield* postAlert("high", { from: USER.sky })
        yield* press(alert, "Talk to Ash", USER.crt1)
        const dm = yield* firstDmTo(USER.sky)
        yield* press(yield* contacted(alert), "Resolve", USER.crt1)
        yield* editedTo(alert, "its closing", (m) => statusOf(m).includes("Resolved"))
        const byMember = yield* pressOptOut(dm, USER.sky)
        expect(yield* ephemeralText(byMember.interaction)).toContain("a person from our Crisis Response Team")
        const ping = yield* eventually(
          "the CRT told",
          Effect.map(repliesTo(alert.messageId), (r) =>
            Option.fromNullable(r.find((m) => m.content.includes("prefers human support"))),
          ),
        )
        expect(ping.sent.allowedMentions.roles).toEqual([ROLE.crt])
      }).pipe(Effect.provide(AlertFeatures)),
      MANUAL_ONLY,
    ),
  )

  it.effect(
    "the member's button: only that member; then the alert says so, the CRT is pinged, Ash never DMs again",
    () =>
      onTwins(
        Effect.gen(function* () {
          const alert = yield* postAlert("high", { from: USER.sky })
          yield* press(alert, "Talk to Ash", USER.crt1)
          const dm = yield* firstDmTo(USER.sky)
          const someoneElse = yield* pressOptOut(dm, USER.river)
          expect(yield* ephemeralText(someoneElse.interaction)).toContain("for the person Ash wrote to")
          const byMember = yield* pressOptOut(dm, USER.sky)
          expect(yield* ephemeralText(byMember.interaction)).toContain(
            "Ash will not message you again for the next 30 days",
          )
          const shown = yield* editedTo(alert, "the opt-out", (m) =>
            statusOf(m).includes("prefers human support"),
          )
          expect(statusOf(shown)).toContain("👤 The member prefers human support")
          const ping = yield* eventually(
            "the CRT pinged",
            Effect.map(repliesTo(alert.messageId), (r) =>
              Option.fromNullable(r.find((m) => m.content.includes("human support"))),
            ),
          )
          expect(ping.content).toContain(`<@&${ROLE.crt}>`)
          // Pressed again: confirmed again, but the CRT is not pinged a second time.
          const again = yield* pressOptOut(dm, USER.sky)
          expect(yield* ephemeralText(again.interaction)).toContain("Ash will not message you again")
          yield* settle
          const pings = (yield* repliesTo(alert.messageId)).filter((m) => m.content.includes("human support"))
          expect(pings).toHaveLength(1)
          expect(yield* Effect.flatMap(MemberStore, (m) => m.isOptedOut(GUILD, USER.sky))).toBe(true)
          // A later alert: no automatic contact, and Talk to Ash is not offered.
          const later = yield* postAlert("critical", { from: USER.sky })
          expect(buttonsOf(later)).not.toContain("Talk to Ash")
          expect((yield* recordOf(later)).deadlines.autoContactAt).toBeNull()
          yield* TestClock.adjust(30 * MINUTE)
          yield* settle
          expect(yield* dmsTo(USER.sky)).toHaveLength(1)
          expect((yield* recordOf(later)).optedOut).toBe(true)
        }).pipe(Effect.provide(AlertFeatures)),
      ),
  )
})

describe("the support channel, checked at start-up", () => {
  it.effect(
    "says which CRT role would not see the threads, and when there is no support channel at all",
    () =>
      onTwins(
        Effect.gen(function* () {
          yield* checkSupportChannel
          const warnings = yield* logged("WARN")
          expect(warnings.filter((w) => w.includes("lack Manage Threads"))).toEqual([
            expect.stringContaining("910000000000000009"),
          ])
          expect(warnings.join("\n")).not.toContain(ROLE.crt)
          const settings = yield* BotSettings
          yield* checkSupportChannel.pipe(
            Effect.provideService(BotSettings, { ...settings, supportChannelId: Option.none() }),
          )
          expect((yield* logged("WARN")).some((w) => w.includes("BOT_SUPPORT_CHANNEL_ID is not set"))).toBe(
            true,
          )
        }),
        { env: { BOT_CRT_ROLE_IDS: JSON.stringify([ROLE.crt, "910000000000000009"]) } },
      ),
  )
})
