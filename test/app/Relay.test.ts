import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { CLOSING_MESSAGE } from "../../src/core/Relay.js"
import { DiscordMemory } from "../../src/shell/discord/DiscordMemory.js"
import {
  alertFor,
  CHANNEL,
  eventually,
  NlpScript,
  posts,
  press,
  repliesTo,
  say,
  statusOf,
  USER,
  withBot,
} from "../support/app.js"

/** The bot's messages in a channel (a thread is one), in order. */
const postsIn = (channelId: string) =>
  Effect.map(posts, (all) => all.filter((m) => m.channelId === channelId))

const relayedIn = (channelId: string) =>
  Effect.map(postsIn(channelId), (all) => all.filter((m) => m.embeds[0]?.title === "💬 The member wrote"))

const memberDms = (userId: string, content: string) =>
  Effect.flatMap(DiscordMemory, (d) => d.memberDms({ userId, content }))

/** The first bot message anywhere whose embeds mention `text`. */
const postMentioning = (what: string, text: string) =>
  eventually(
    what,
    Effect.map(posts, (all) => Option.fromNullable(all.find((m) => JSON.stringify(m.embeds).includes(text)))),
  )

describe("a member writes to Ash with no open conversation", () => {
  it.effect(
    "below MEDIUM, with notices configured: a notice in the monitor channel shows the message; no alert",
    () =>
      withBot(
        Effect.gen(function* () {
          yield* memberDms(USER.sky, "just wanted to say thanks for last week")
          const notice = yield* postMentioning("the notice", "just wanted to say thanks")
          expect(notice.channelId).toBe(CHANNEL.monitor)
          expect(notice.content).toContain(`<@${USER.sky}> wrote to Ash by direct message`)
          expect(notice.content).toContain("SAFE")
          expect(notice.embeds[0]?.title).toBe("💬 The member wrote")
          expect(notice.components).toEqual([])
        }),
        { env: { BOT_RELAY_UNSOLICITED_BELOW_THRESHOLD: "notice" } },
      ),
  )

  it.effect("the NLP down: a MEDIUM alert all the same, with the message in its staff thread", () =>
    withBot(
      Effect.gen(function* () {
        yield* Effect.flatMap(NlpScript, (nlp) => nlp.setDown(true))
        const dm = yield* memberDms(USER.jade, "can someone talk to me")
        const alert = yield* postMentioning("the alert", "can someone talk to me")
        expect(alert.channelId).toBe(CHANNEL.monitor)
        expect(alert.embeds[0]?.title).toBe("⚠️ Monitor Alert")
        const relayed = yield* eventually(
          "the message in the thread",
          Effect.map(relayedIn(alert.messageId), (all) => Option.fromNullable(all[0])),
        )
        expect(relayed.embeds[0]?.description).toBe(dm.content)
        expect(relayed.embeds[0]?.footer?.text).toMatch(/^NLP: (reading…|no reading)/)
      }),
    ),
  )

  it.effect("with an open alert: the conversation opens on that alert, and no second alert is posted", () =>
    withBot(
      Effect.gen(function* () {
        const source = yield* say("high", { from: USER.rowan })
        const alert = yield* alertFor(source)
        yield* memberDms(USER.rowan, "sorry about what I wrote earlier")
        const relayed = yield* eventually(
          "the message in the thread",
          Effect.map(relayedIn(alert.messageId), (all) => Option.fromNullable(all[0])),
        )
        expect(relayed.embeds[0]?.description).toBe("sorry about what I wrote earlier")
        const intro = (yield* postsIn(alert.messageId))[0]
        expect(intro?.content).toContain(`<@${USER.rowan}> wrote to Ash by direct message`)
        const alerts = (yield* posts).filter((m) => m.embeds[0]?.title?.includes("Alert") === true)
        expect(alerts).toHaveLength(1)
      }),
    ),
  )

  it.effect("a staff thread that refuses the message: it reaches the CRT as a reply to the alert", () =>
    withBot(
      Effect.gen(function* () {
        const source = yield* say("critical", { from: USER.quinn })
        const alert = yield* alertFor(source)
        yield* memberDms(USER.quinn, "hello?")
        yield* eventually(
          "the thread",
          Effect.map(relayedIn(alert.messageId), (all) => Option.fromNullable(all[0])),
        )
        const discord = yield* DiscordMemory
        yield* discord.fail("post", { status: 403, code: 50001 }, { target: alert.messageId, times: 10 })
        yield* memberDms(USER.quinn, "are you still there")
        const reply = yield* eventually(
          "the reply on the alert",
          Effect.map(repliesTo(alert.messageId), (all) =>
            Option.fromNullable(all.find((m) => JSON.stringify(m.embeds).includes("are you still there"))),
          ),
        )
        expect(reply.channelId).toBe(CHANNEL.critical)
      }),
    ),
  )

  it.effect("Resolve closes the conversation: the member is told once", () =>
    withBot(
      Effect.gen(function* () {
        const source = yield* say("critical", { from: USER.sky })
        const alert = yield* alertFor(source)
        yield* memberDms(USER.sky, "thank you")
        yield* eventually(
          "the thread",
          Effect.map(relayedIn(alert.messageId), (all) => Option.fromNullable(all[0])),
        )
        yield* press(alert, "Acknowledge", USER.crt1)
        const acknowledged = yield* eventually(
          "Resolve offered",
          Effect.map(posts, (all) =>
            Option.fromNullable(
              all.find((m) => m.messageId === alert.messageId && statusOf(m).includes("Acknowledged")),
            ),
          ),
        )
        yield* press(acknowledged, "Resolve", USER.crt1)
        yield* eventually(
          "the closing DM",
          Effect.map(
            Effect.flatMap(DiscordMemory, (d) => d.messages),
            (all) =>
              Option.fromNullable(all.find((m) => m.via._tag === "dm" && m.content === CLOSING_MESSAGE)),
          ),
        )
        const threads = yield* Effect.flatMap(DiscordMemory, (d) => d.threads)
        expect(threads.find((t) => t.threadId === alert.messageId)?.archived).toBe(true)
      }),
    ),
  )
})
