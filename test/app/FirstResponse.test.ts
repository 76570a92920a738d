import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, TestClock } from "effect"
import { recompute, toFields } from "../../src/core/DailyAggregate.js"
import { AlertStore } from "../../src/shell/AlertStore.js"
import { DiscordMemory, type StoredMessage } from "../../src/shell/discord/DiscordMemory.js"
import type { IncomingMessage } from "../../src/shell/discord/DiscordPort.js"
import { MemberStore } from "../../src/shell/MemberStore.js"
import {
  AlertFeatures,
  acknowledge,
  CHANNEL,
  current,
  editedTo,
  ephemeralText,
  eventually,
  GUILD,
  MINUTE,
  onTwins,
  postAlert,
  press,
  ROLE,
  recordOf,
  settle,
  statusOf,
  USER,
} from "../support/app.js"

const NO_AUTO = { env: { BOT_AUTO_INITIATE_ENABLED: "false" } }

/** Someone writes in `channelId`: a CRT member unless `roleIds` says otherwise. */
const writes = (
  by: string,
  channelId: string,
  more: Partial<Pick<IncomingMessage, "repliedToUserId" | "mentionedUserIds" | "parentChannelId">> & {
    readonly roleIds?: ReadonlyArray<string>
    readonly bot?: boolean
  } = {},
) =>
  Effect.flatMap(DiscordMemory, (d) =>
    d.memberSays({
      channelId,
      content: "I'm here for you",
      author: {
        id: by,
        bot: more.bot ?? false,
        displayName: "Someone",
        avatarUrl: undefined,
        roleIds: more.roleIds ?? [ROLE.crt],
      },
      repliedToUserId: more.repliedToUserId ?? null,
      mentionedUserIds: more.mentionedUserIds ?? [],
      ...(more.parentChannelId === undefined ? {} : { parentChannelId: more.parentChannelId }),
    }),
  )

const responded = (alert: StoredMessage) =>
  editedTo(alert, "the first response", (m) => statusOf(m).includes("First human response"))

describe("first human response seen in messages", () => {
  it.effect(
    "a CRT member's reply to the member in the source channel, once, with responder and duration",
    () =>
      onTwins(
        Effect.gen(function* () {
          const alert = yield* postAlert("high", { from: USER.sky, channel: CHANNEL.general })
          yield* TestClock.adjust(2 * MINUTE)
          // Neither a member without a CRT role, nor a bot, nor a reply elsewhere counts.
          yield* writes(USER.bystander, CHANNEL.general, {
            repliedToUserId: USER.sky,
            roleIds: [ROLE.member],
          })
          yield* writes(USER.otherBot, CHANNEL.general, { repliedToUserId: USER.sky, bot: true })
          yield* writes(USER.crt2, CHANNEL.offTopic, { repliedToUserId: USER.sky })
          yield* settle
          expect((yield* recordOf(alert)).milestones.responded).toBeNull()
          yield* writes(USER.crt1, CHANNEL.general, { repliedToUserId: USER.sky })
          const shown = yield* responded(alert)
          expect(statusOf(shown)).toContain(`💬 First human response by <@${USER.crt1}> after 2m`)
          yield* TestClock.adjust(MINUTE)
          yield* writes(USER.crt2, CHANNEL.general, { repliedToUserId: USER.sky })
          yield* settle
          expect((yield* recordOf(alert)).milestones.responded).toMatchObject({
            by: USER.crt1,
            detection: "source_reply",
            elapsedMs: 2 * MINUTE,
          })
        }).pipe(Effect.provide(AlertFeatures)),
        NO_AUTO,
      ),
  )

  it.effect("a CRT member mentioning the member in a thread of the source channel", () =>
    onTwins(
      Effect.gen(function* () {
        const alert = yield* postAlert("medium", { from: USER.river, channel: CHANNEL.vent })
        yield* writes(USER.crt2, "920000000000000099", {
          mentionedUserIds: [USER.river],
          parentChannelId: CHANNEL.vent,
        })
        yield* responded(alert)
        expect((yield* recordOf(alert)).milestones.responded).toMatchObject({
          by: USER.crt2,
          detection: "source_mention",
        })
      }).pipe(Effect.provide(AlertFeatures)),
      NO_AUTO,
    ),
  )

  it.effect(
    "the first CRT message in the member's private support thread; the member's own never counts",
    () =>
      onTwins(
        Effect.gen(function* () {
          const discord = yield* DiscordMemory
          yield* discord.closeDms(USER.sky)
          const alert = yield* postAlert("critical", { from: USER.sky })
          yield* press(alert, "Talk to Ash", USER.crt1)
          const thread = yield* eventually(
            "the support thread",
            Effect.map(discord.threads, (t) => Option.fromNullable(t[0])),
          )
          yield* editedTo(alert, "the contact", (m) => statusOf(m).includes("private thread"))
          yield* writes(USER.sky, thread.threadId, {
            roleIds: [ROLE.member],
            parentChannelId: CHANNEL.support,
          })
          yield* settle
          expect((yield* recordOf(alert)).milestones.responded).toBeNull()
          // crt2 was not added by hand: the CRT role ping let them in.
          yield* TestClock.adjust(30_000)
          yield* writes(USER.crt2, thread.threadId, { parentChannelId: CHANNEL.support })
          yield* responded(alert)
          expect((yield* recordOf(alert)).milestones.responded).toMatchObject({
            by: USER.crt2,
            detection: "thread_message",
            elapsedMs: 30_000,
          })
        }).pipe(Effect.provide(AlertFeatures)),
        NO_AUTO,
      ),
  )

  it.effect(
    "the day's first-response clock and per-responder counts equal a recomputation from the records",
    () =>
      onTwins(
        Effect.gen(function* () {
          const a = yield* postAlert("high", { from: USER.sky, channel: CHANNEL.general })
          const b = yield* postAlert("medium", { from: USER.river, channel: CHANNEL.vent })
          const c = yield* postAlert("critical", { from: USER.quinn, channel: CHANNEL.general })
          yield* TestClock.adjust(MINUTE)
          yield* writes(USER.crt1, CHANNEL.general, { repliedToUserId: USER.sky })
          yield* TestClock.adjust(MINUTE)
          yield* writes(USER.crt2, CHANNEL.vent, { mentionedUserIds: [USER.river] })
          yield* responded(a)
          yield* responded(b)
          yield* acknowledge(c, USER.crt2)
          yield* press(yield* current(c), "I reached out", USER.crt1)
          yield* responded(c)
          const records = [yield* recordOf(a), yield* recordOf(b), yield* recordOf(c)]
          const expected = recompute(records)
          const store = yield* AlertStore
          for (const { day, aggregate } of yield* Effect.orDie(store.daily([...expected.keys()])))
            expect(toFields(aggregate)).toEqual(toFields(expected.get(day) ?? aggregate))
          expect(records.map((r) => r.milestones.responded?.detection ?? null)).toEqual([
            "source_reply",
            "source_mention",
            "self_reported",
          ])
        }).pipe(Effect.provide(AlertFeatures)),
        NO_AUTO,
      ),
  )
})

describe("/ash optout", () => {
  const optOut = (by: string, roleIds: ReadonlyArray<string>, options: Record<string, string | boolean>) =>
    Effect.flatMap(DiscordMemory, (d) =>
      d.command({
        name: "ash",
        subcommand: "optout",
        options,
        userId: by,
        roleIds,
        guildId: GUILD,
        channelId: CHANNEL.crisis,
      }),
    )

  it.effect(
    "is registered in the guild; CRT only; marks the open alert and keeps Ash away; clear lets Ash reach out again",
    () =>
      onTwins(
        Effect.gen(function* () {
          const discord = yield* DiscordMemory
          const members = yield* MemberStore
          yield* settle
          expect((yield* discord.registered).map((c) => c.name)).toEqual(["ash", "metrics"])
          expect(yield* discord.registeredIn).toEqual([GUILD])
          const alert = yield* postAlert("critical", { from: USER.sky })
          const refused = yield* optOut(USER.bystander, [ROLE.member], { member: USER.sky })
          expect(yield* ephemeralText(refused.interaction)).toContain(
            "Only members of the Crisis Response Team",
          )
          expect(yield* members.isOptedOut(GUILD, USER.sky)).toBe(false)
          const done = yield* optOut(USER.crt1, [ROLE.crt], { member: USER.sky })
          expect(yield* ephemeralText(done.interaction)).toContain("prefers human support")
          const shown = yield* editedTo(alert, "the opt-out", (m) =>
            statusOf(m).includes("prefers human support"),
          )
          expect(statusOf(shown)).toContain("👤 The member prefers human support")
          yield* TestClock.adjust(10 * MINUTE)
          yield* settle
          const dms = (yield* discord.messages).filter((m) => m.via._tag === "dm")
          expect(dms).toEqual([])
          const cleared = yield* optOut(USER.crt2, [ROLE.crt], { member: USER.sky, clear: true })
          expect(yield* ephemeralText(cleared.interaction)).toContain("may reach out")
          expect(yield* members.isOptedOut(GUILD, USER.sky)).toBe(false)
          const next = yield* postAlert("high", { from: USER.sky })
          expect((yield* recordOf(next)).optedOut).toBe(false)
        }).pipe(Effect.provide(AlertFeatures)),
      ),
  )
})
