/**
 * From a member's message to the alert the CRT sees: routing by severity, the embed, the
 * buttons, who gets pinged, the intake filter, and what happens when Discord refuses or fails.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, TestClock } from "effect"
import { Features } from "../../src/app/main.js"
import type { PendingAlert, PostedRef } from "../../src/core/PendingAlert.js"
import { AlertStore } from "../../src/shell/AlertStore.js"
import { CooldownStore } from "../../src/shell/CooldownStore.js"
import { DiscordMemory } from "../../src/shell/discord/DiscordMemory.js"
import { PendingAlerts } from "../../src/shell/PendingAlerts.js"
import { alertId, pendingAlert } from "../support/alerts.js"
import {
  alertFor,
  buttonsOf,
  CHANNEL,
  GUILD,
  intakeCounts,
  logged,
  NlpScript,
  onTwins,
  posts,
  ROLE,
  say,
  settle,
  sleepingFor,
  T0,
  USER,
  until,
  withBot,
} from "../support/app.js"

const CRT_ONLY = { parse: [], roles: [ROLE.crt], users: [], repliedUser: false }
const NOBODY = { parse: [], roles: [], users: [], repliedUser: false }

/** The texts the NLP was asked to analyse, in order. */
const analysed = Effect.map(
  Effect.flatMap(NlpScript, (nlp) => nlp.requests),
  (requests) => requests.map((r) => r.message),
)

describe("where an alert goes and who it pings", () => {
  it.effect(
    "a CRITICAL message alerts the critical channel with the embed, both buttons and a CRT-only ping",
    () =>
      withBot(
        Effect.gen(function* () {
          const source = yield* say("critical", { from: USER.sky, text: "I can't do this anymore" })
          const alert = yield* alertFor(source)
          expect(alert.channelId).toBe(CHANNEL.critical)
          const embed = alert.embeds[0]
          expect(embed?.title).toBe("🚨 CRITICAL ALERT")
          expect(embed?.fields.map((f) => f.name)).toEqual(
            expect.arrayContaining([
              "📝 Message",
              "📊 Crisis Score",
              "🎯 Confidence",
              "⚡ Severity",
              "🔗 Original Message",
              "📍 Channel",
              "👤 User ID",
            ]),
          )
          expect(embed?.fields.find((f) => f.name === "📝 Message")?.value).toContain(
            "I can't do this anymore",
          )
          expect(embed?.fields.find((f) => f.name === "👤 User ID")?.value).toBe(`\`${USER.sky}\``)
          expect(embed?.footer?.text).toBe("Request ID: req_0123456789ab | Processing: 42ms")
          expect(buttonsOf(alert)).toEqual(["Talk to Ash", "Acknowledge"])
          expect(alert.content).toBe(`<@&${ROLE.crt}>`)
          expect(alert.sent.allowedMentions).toEqual(CRT_ONLY)
          // The alert is on record under its message, so its buttons work.
          const stored = yield* Effect.flatMap(AlertStore, (s) => s.getByMessageId(alert.messageId))
          expect(Option.map(stored, (a) => [a.severity, a.origin.memberId])).toEqual(
            Option.some(["critical", USER.sky]),
          )
        }),
      ),
  )

  it.effect("HIGH goes to the crisis channel and pings the CRT", () =>
    withBot(
      Effect.gen(function* () {
        const alert = yield* alertFor(yield* say("high", { from: USER.river }))
        expect(alert.channelId).toBe(CHANNEL.crisis)
        expect(alert.embeds[0]?.title).toBe("🔶 Crisis Alert")
        expect(buttonsOf(alert)).toEqual(["Talk to Ash", "Acknowledge"])
        expect(alert.sent.allowedMentions).toEqual(CRT_ONLY)
      }),
    ),
  )

  it.effect("MEDIUM goes to the monitor channel without a ping and with Acknowledge only", () =>
    withBot(
      Effect.gen(function* () {
        const alert = yield* alertFor(yield* say("medium", { from: USER.bystander }))
        expect(alert.channelId).toBe(CHANNEL.monitor)
        expect(alert.embeds[0]?.title).toBe("⚠️ Monitor Alert")
        expect(alert.content).toBe("")
        expect(alert.sent.allowedMentions).toEqual(NOBODY)
        expect(buttonsOf(alert)).toEqual(["Acknowledge"])
      }),
    ),
  )

  it.effect("LOW and SAFE are analysed but never alert", () =>
    withBot(
      Effect.gen(function* () {
        const low = yield* say("low", { from: USER.bystander })
        const safe = yield* say("safe", { from: USER.bystander })
        // Messages are analysed one after the other: once this one alerts, the two before are done.
        const control = yield* say("medium", { from: USER.jade })
        const alert = yield* alertFor(control)
        expect(yield* analysed).toEqual([low.content, safe.content, control.content])
        expect((yield* posts).map((m) => m.messageId)).toEqual([alert.messageId])
      }),
    ),
  )

  it.effect("@everyone, @here and <@id> in the member's text ping nobody", () =>
    withBot(
      Effect.gen(function* () {
        const text = `@everyone @here <@${USER.crt2}> <@&${ROLE.member}> please help`
        const alert = yield* alertFor(yield* say("high", { from: USER.river, channel: CHANNEL.vent, text }))
        expect(alert.content).toBe(`<@&${ROLE.crt}>`)
        expect(alert.sent.allowedMentions).toEqual(CRT_ONLY)
        // The text is shown to the CRT, inside a code block.
        expect(alert.embeds[0]?.fields.find((f) => f.name === "📝 Message")?.value).toContain(
          "@everyone @here",
        )
      }),
    ),
  )
})

describe("the intake filter", () => {
  it.effect(
    "sends no NLP request for a bot, another guild, an unmonitored channel, or a message without text",
    () =>
      withBot(
        Effect.gen(function* () {
          const discord = yield* DiscordMemory
          const member = { id: USER.sky, bot: false, displayName: "Sky", avatarUrl: undefined, roleIds: [] }
          yield* discord.memberSays({
            channelId: CHANNEL.general,
            content: "a bot says it rated critical",
            author: {
              id: USER.otherBot,
              bot: true,
              displayName: "Another bot",
              avatarUrl: undefined,
              roleIds: [],
            },
          })
          yield* discord.memberSays({
            channelId: CHANNEL.offTopic,
            content: "not watched rated critical",
            author: member,
          })
          yield* discord.memberSays({
            channelId: CHANNEL.general,
            guildId: "100000000000000777",
            content: "another guild rated critical",
            author: member,
          })
          // An attachment-only message reaches the bot with no text; so does one of spaces only.
          yield* discord.memberSays({ channelId: CHANNEL.general, content: "", author: member })
          yield* discord.memberSays({ channelId: CHANNEL.general, content: " \n\t ", author: member })
          // A thread under a monitored channel is monitored.
          const inThread = yield* discord.memberSays({
            channelId: "920000000000000099",
            parentChannelId: CHANNEL.vent,
            content: "in a thread rated safe",
            author: member,
          })
          const control = yield* say("medium", { from: USER.sky })
          yield* alertFor(control)
          expect(yield* analysed).toEqual([inThread.content, control.content])
          expect(yield* posts).toHaveLength(1)
        }),
      ),
  )
})

describe("when Discord refuses or fails", () => {
  it.effect(
    "the critical channel refuses (403): the alert is posted, still critical and pinging, in the crisis channel",
    () =>
      withBot(
        Effect.gen(function* () {
          const discord = yield* DiscordMemory
          yield* discord.fail("post", { status: 403, code: 50001 }, { target: CHANNEL.critical })
          const alert = yield* alertFor(yield* say("critical", { from: USER.jade }))
          expect(alert.channelId).toBe(CHANNEL.crisis)
          expect(alert.embeds[0]?.title).toBe("🚨 CRITICAL ALERT")
          expect(alert.sent.allowedMentions).toEqual(CRT_ONLY)
          expect(yield* logged("WARN")).toEqual(
            expect.arrayContaining([expect.stringContaining(`fallback channel ${CHANNEL.crisis}`)]),
          )
        }),
      ),
  )

  it.effect(
    "the critical channel is down (5xx until the client gives up): the alert lands in the crisis channel",
    () =>
      withBot(
        Effect.gen(function* () {
          const discord = yield* DiscordMemory
          yield* discord.fail("post", { status: 502 }, { target: CHANNEL.critical, times: 4 })
          const alert = yield* alertFor(yield* say("critical", { from: USER.jade, channel: CHANNEL.vent }))
          expect(alert.channelId).toBe(CHANNEL.crisis)
          expect(alert.embeds[0]?.title).toBe("🚨 CRITICAL ALERT")
          expect(yield* posts).toHaveLength(1)
        }),
      ),
  )

  it.effect("a 429 is waited out: the alert lands in its own channel once Discord's wait is over", () =>
    withBot(
      Effect.gen(function* () {
        const discord = yield* DiscordMemory
        yield* discord.fail("post", { status: 429, retryAfterMs: 3_000 }, { target: CHANNEL.monitor })
        const source = yield* say("medium", { from: USER.jade })
        yield* sleepingFor(3_000)
        expect(yield* posts).toEqual([])
        yield* TestClock.adjust("3 seconds")
        const alert = yield* alertFor(source)
        expect(alert.channelId).toBe(CHANNEL.monitor)
        expect(yield* posts).toHaveLength(1)
      }),
    ),
  )

  it.effect(
    "every channel refusing: the CRT told with a link in a channel that takes it, the loss logged and counted, the cooldown given back",
    () =>
      withBot(
        Effect.gen(function* () {
          const discord = yield* DiscordMemory
          for (const channel of [CHANNEL.critical, CHANNEL.crisis, CHANNEL.monitor])
            yield* discord.fail("post", { status: 403, code: 50001 }, { target: channel })
          // The notice about it is refused once more, by the first channel it tries.
          yield* discord.fail("post", { status: 403, code: 50013 }, { target: CHANNEL.critical })
          const source = yield* say("critical", { from: USER.rowan })
          yield* until(
            "the failed alert to be counted",
            Effect.map(intakeCounts, (c) => c.alert_post_failed_count === 1),
          )
          const [notice, ...more] = yield* posts
          expect(more).toEqual([])
          expect(notice?.channelId).toBe(CHANNEL.crisis)
          expect(notice?.embeds).toEqual([])
          expect(notice?.content).toContain("A CRITICAL alert could not be posted")
          expect(notice?.content).toContain(
            `https://discord.com/channels/${GUILD}/${source.channelId}/${source.messageId}`,
          )
          expect(notice?.content).not.toContain(source.content)
          expect(notice?.content).toContain(`<@&${ROLE.crt}>`)
          expect(notice?.sent.allowedMentions?.roles).toEqual([ROLE.crt])
          expect(yield* logged("ERROR")).toEqual(
            expect.arrayContaining([
              expect.stringMatching(/^ALERT NOT POSTED: critical alert alert_\w+ for message/),
            ]),
          )
          const cooldown = yield* Effect.flatMap(CooldownStore, (c) => c.current(GUILD, USER.rowan))
          expect(cooldown).toEqual(Option.none())
          // The member's next message is not swallowed by a cooldown nobody saw.
          const next = yield* say("high", { from: USER.rowan })
          expect((yield* alertFor(next)).channelId).toBe(CHANNEL.crisis)
          yield* settle
          expect(yield* posts).toHaveLength(2)
        }),
      ),
  )
})

describe("alerts a stopped process left on their way", () => {
  const leftBehind = (posted: PostedRef | null) =>
    ({
      ...pendingAlert(
        {
          id: alertId(41),
          createdAt: T0,
          origin: {
            guildId: GUILD,
            memberId: USER.river,
            sourceChannelId: CHANNEL.general,
            sourceMessageId: "1500000000000000041",
            alertChannelId: CHANNEL.crisis,
            alertMessageId: "0",
          },
        },
        [CHANNEL.crisis, CHANNEL.monitor],
      ),
      posted,
    }) satisfies PendingAlert

  /** The alert as the stopped process left it: written, its claim run out. */
  const leave = (pending: PendingAlert) => Effect.flatMap(PendingAlerts, (p) => p.put(pending, -1))

  it.effect("one never posted is posted on start-up, once, and recorded", () =>
    onTwins(
      Effect.gen(function* () {
        yield* leave(leftBehind(null))
        yield* Effect.gen(function* () {
          yield* settle
          yield* TestClock.adjust("1 minute")
          yield* settle
        }).pipe(Effect.provide(Features))
        const [alert, ...more] = yield* posts
        expect(more).toEqual([])
        expect(alert?.channelId).toBe(CHANNEL.crisis)
        expect(
          alert?.embeds[0]?.fields?.some((f) => f.value.includes("I don't want to be here anymore")),
        ).toBe(true)
        const record = yield* Effect.flatMap(AlertStore, (s) => s.get(alertId(41))).pipe(Effect.orDie)
        expect(Option.map(record, (r) => r.origin.alertMessageId)).toEqual(Option.some(alert?.messageId))
        expect(yield* Effect.flatMap(PendingAlerts, (p) => p.claimAbandoned(-1, 10))).toEqual([])
      }),
    ),
  )

  it.effect("one posted but never recorded is recorded where it was posted, not posted again", () =>
    onTwins(
      Effect.gen(function* () {
        yield* leave(leftBehind({ channelId: CHANNEL.monitor, messageId: "1600000000000000001" }))
        yield* settle.pipe(Effect.provide(Features))
        expect(yield* posts).toEqual([])
        const record = yield* Effect.flatMap(AlertStore, (s) => s.get(alertId(41))).pipe(Effect.orDie)
        expect(Option.map(record, (r) => r.origin)).toEqual(
          Option.some(
            expect.objectContaining({
              alertChannelId: CHANNEL.monitor,
              alertMessageId: "1600000000000000001",
            }),
          ),
        )
        expect(yield* logged("WARN")).toContainEqual(expect.stringContaining("posted but never recorded"))
      }),
    ),
  )

  it.effect("an alert being posted right now is left to its process", () =>
    withBot(
      Effect.gen(function* () {
        const discord = yield* DiscordMemory
        yield* discord.fail("post", { status: 500, code: 0 }, { target: CHANNEL.critical, times: 3 })
        const source = yield* say("critical", { from: USER.rowan })
        const alert = yield* alertFor(source)
        yield* TestClock.adjust("1 minute")
        yield* settle
        expect((yield* posts).map((m) => m.messageId)).toEqual([alert.messageId])
        expect(yield* Effect.flatMap(PendingAlerts, (p) => p.claimAbandoned(-1, 10))).toEqual([])
      }),
    ),
  )
})
