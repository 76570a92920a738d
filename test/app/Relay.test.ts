import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, TestClock } from "effect"
import { checkAlertChannels } from "../../src/app/alerts/AlertChannels.js"
import { Features } from "../../src/app/main.js"
import { RelayLive } from "../../src/app/relay/Relay.js"
import { AUTO_REPLY, CLOSING_MESSAGE, NOT_RELAYED_CLOSED } from "../../src/core/Relay.js"
import { Discord } from "../../src/shell/discord/Discord.js"
import { DiscordMemory } from "../../src/shell/discord/DiscordMemory.js"
import {
  alertFor,
  botMessagesIn,
  buttonsOf,
  CHANNEL,
  dmsTo,
  editedTo,
  eventually,
  logged,
  MINUTE,
  NlpScript,
  onTwins,
  posts,
  press,
  ROLE,
  recordOf,
  repliesTo,
  say,
  settle,
  statusOf,
  USER,
  withBot,
} from "../support/app.js"

/** The bot's messages in a channel (a thread is one), in order. */
const postsIn = (channelId: string) =>
  Effect.map(posts, (all) => all.filter((m) => m.channelId === channelId))

const relayedIn = (channelId: string) =>
  Effect.map(postsIn(channelId), (all) => all.filter((m) => m.embeds[0]?.title === "💬 The member wrote"))

/** The first of the member's messages relayed into a staff thread, once it is there. */
const firstRelayedIn = (threadId: string) =>
  eventually(
    "the member's message in the thread",
    Effect.map(relayedIn(threadId), (all) => Option.fromNullable(all[0])),
  )

/** A CRT member writes in a channel (a staff thread). */
const crtWrites = (channelId: string, userId: string, displayName: string, content: string) =>
  Effect.flatMap(DiscordMemory, (d) =>
    d.memberSays({
      channelId,
      content,
      author: { id: userId, bot: false, displayName, avatarUrl: undefined, roleIds: [ROLE.crt] },
    }),
  )

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
        const relayed = yield* firstRelayedIn(alert.messageId)
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
        const relayed = yield* firstRelayedIn(alert.messageId)
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
        yield* firstRelayedIn(alert.messageId)
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
        yield* firstRelayedIn(alert.messageId)
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
        yield* settle
        expect((yield* dmsTo(USER.sky)).filter((m) => m.content === CLOSING_MESSAGE)).toHaveLength(1)
        const threads = yield* Effect.flatMap(DiscordMemory, (d) => d.threads)
        expect(threads.find((t) => t.threadId === alert.messageId)?.archived).toBe(true)
      }),
    ),
  )

  it.effect(
    "a staff thread that did not open at contact opens on the member's reply, which pings the CRT as a reply to Ash",
    () =>
      withBot(
        Effect.gen(function* () {
          const alert = yield* alertFor(yield* say("high", { from: USER.jade }))
          const discord = yield* DiscordMemory
          yield* discord.fail(
            "openPrivateThread",
            { status: 403, code: 50001 },
            { target: CHANNEL.crisis, times: 1 },
          )
          yield* press(alert, "Talk to Ash", USER.crt1)
          yield* editedTo(alert, "the contact", (m) => statusOf(m).includes("Ash reached out"))
          yield* settle
          expect(yield* postsIn(alert.messageId)).toEqual([])
          yield* memberDms(USER.jade, "thank you for writing")
          const relayed = yield* firstRelayedIn(alert.messageId)
          expect(relayed.sent.allowedMentions.roles).toEqual([ROLE.crt])
          const intro = (yield* postsIn(alert.messageId))[0]
          expect(intro?.content).toContain(`for <@${USER.crt1}>`)
        }),
        { env: { BOT_AUTO_INITIATE_ENABLED: "false" } },
      ),
  )

  it.effect("a thread CRT members started on the alert is told before the member's words go there", () =>
    withBot(
      Effect.gen(function* () {
        const alert = yield* alertFor(yield* say("critical", { from: USER.rowan }))
        const discord = yield* Discord
        yield* discord.openThreadOn({ channelId: alert.channelId, messageId: alert.messageId }, "team chat")
        yield* memberDms(USER.rowan, "hello?")
        yield* firstRelayedIn(alert.messageId)
        const [intro] = yield* postsIn(alert.messageId)
        expect(intro?.content).toContain("How to answer")
      }),
    ),
  )
})

describe("the relay's edges", () => {
  it.effect(
    "a member's conversation moves to their newer alert: the old thread is told and closed, its CRT messages are not sent, and resolving the old alert tells the member nothing",
    () =>
      withBot(
        Effect.gen(function* () {
          const first = yield* alertFor(yield* say("high", { from: USER.jade }))
          yield* memberDms(USER.jade, "first conversation")
          yield* firstRelayedIn(first.messageId)
          const second = yield* alertFor(yield* say("critical", { from: USER.jade }))
          yield* press(second, "Talk to Ash", USER.crt2)
          const moved = yield* eventually(
            "the moved notice",
            Effect.map(postsIn(first.messageId), (all) =>
              Option.fromNullable(all.find((m) => m.content.includes("continues in the thread"))),
            ),
          )
          expect(moved.content).toContain(`<#${second.messageId}>`)
          const dmsBefore = (yield* dmsTo(USER.jade)).length
          yield* crtWrites(first.messageId, USER.crt1, "Alex", "are you still there?")
          yield* eventually(
            "the closed note",
            Effect.map(botMessagesIn(first.messageId), (all) =>
              Option.fromNullable(all.find((m) => m.content === NOT_RELAYED_CLOSED)),
            ),
          )
          yield* press(first, "Acknowledge", USER.crt1)
          const offered = yield* editedTo(first, "Resolve offered", (m) => buttonsOf(m).includes("Resolve"))
          yield* press(offered, "Resolve", USER.crt1)
          yield* editedTo(first, "the resolve", (m) => statusOf(m).includes("Resolved"))
          yield* settle
          expect((yield* dmsTo(USER.jade)).slice(dmsBefore).map((m) => m.content)).toEqual([])
          // The member's words now go to the newer alert's thread.
          yield* memberDms(USER.jade, "second conversation")
          yield* eventually(
            "the second thread",
            Effect.map(relayedIn(second.messageId), (all) =>
              Option.fromNullable(all.find((m) => m.embeds[0]?.description === "second conversation")),
            ),
          )
        }),
        { env: { BOT_AUTO_INITIATE_ENABLED: "false" } },
      ),
  )

  it.effect(
    "a staff thread that cannot be opened: the DM is shown as a reply to the member's open alert",
    () =>
      withBot(
        Effect.gen(function* () {
          const alert = yield* alertFor(yield* say("high", { from: USER.rowan }))
          const discord = yield* DiscordMemory
          yield* discord.denyBot(CHANNEL.crisis, "CreatePublicThreads")
          yield* memberDms(USER.rowan, "can anyone hear me")
          const shown = yield* eventually(
            "the reply on the alert",
            Effect.map(repliesTo(alert.messageId), (all) =>
              Option.fromNullable(all.find((m) => JSON.stringify(m.embeds).includes("can anyone hear me"))),
            ),
          )
          expect(shown.content).toContain("could not be opened")
        }),
      ),
  )

  it.effect("two processes receive every DM: each is relayed once", () =>
    onTwins(
      Effect.gen(function* () {
        const alert = yield* alertFor(yield* say("critical", { from: USER.sky }))
        for (const text of ["one", "two", "three"]) yield* memberDms(USER.sky, text)
        const relayed = yield* eventually(
          "three relayed messages",
          Effect.map(relayedIn(alert.messageId), (all) =>
            all.length >= 3 ? Option.some(all) : Option.none(),
          ),
        )
        yield* settle
        expect((yield* relayedIn(alert.messageId)).map((m) => m.embeds[0]?.description)).toEqual([
          "one",
          "two",
          "three",
        ])
        expect(relayed).toHaveLength(3)
      }).pipe(Effect.provide(Layer.merge(Features, Layer.fresh(RelayLive).pipe(Layer.provide(Features))))),
    ),
  )

  it.effect(
    "a conversation the member began: no second ping in its thread, and no automatic contact on top",
    () =>
      withBot(
        Effect.gen(function* () {
          yield* memberDms(USER.quinn, "I can't do this anymore, rated high")
          const alert = yield* postMentioning("the alert", "I can't do this anymore")
          expect(alert.embeds[0]?.title).toBe("🔶 Crisis Alert")
          const [relayed] = yield* eventually(
            "the message in the thread",
            Effect.map(relayedIn(alert.messageId), (all) =>
              all.length > 0 ? Option.some(all) : Option.none(),
            ),
          )
          expect(relayed?.sent.allowedMentions.roles).toEqual([])
          expect(relayed?.content).toBe("")
          yield* TestClock.adjust(10 * MINUTE)
          yield* settle
          // Ash answered the member's first message once; no welcome came after the automatic delay.
          expect((yield* dmsTo(USER.quinn)).map((m) => m.content)).toEqual([AUTO_REPLY])
        }),
      ),
  )
})

describe("the alert channels, checked at start-up", () => {
  it.effect("say what keeps an alert from being posted, or its conversation thread from opening", () =>
    onTwins(
      Effect.gen(function* () {
        const discord = yield* DiscordMemory
        yield* discord.denyBot(CHANNEL.crisis, "CreatePublicThreads")
        yield* discord.denyBot(CHANNEL.monitor, "SendMessages")
        yield* checkAlertChannels
        expect(yield* logged("ERROR")).toEqual([
          expect.stringMatching(new RegExp(`lacks SendMessages in the alert channel ${CHANNEL.monitor}`)),
        ])
        expect(yield* logged("WARN")).toEqual([
          expect.stringMatching(
            new RegExp(
              `lacks CreatePublicThreads in the alert channel ${CHANNEL.crisis}: no conversation thread`,
            ),
          ),
        ])
      }),
    ),
  )
})

describe("the relay's clocks", () => {
  it.effect(
    "an automatic contact opens the staff thread too; the first relayed answer is the first response, timed from the alert",
    () =>
      withBot(
        Effect.gen(function* () {
          const alert = yield* alertFor(yield* say("high", { from: USER.sky }))
          yield* TestClock.adjust(5 * MINUTE)
          const intro = yield* eventually(
            "the staff thread",
            Effect.map(postsIn(alert.messageId), (all) => Option.fromNullable(all[0])),
          )
          expect(intro.content).toContain("automatically, by direct message")
          expect(intro.content).toContain("This is an automated message from Ash")
          yield* memberDms(USER.sky, "hi")
          yield* firstRelayedIn(alert.messageId)
          yield* TestClock.adjust(2 * MINUTE)
          yield* crtWrites(alert.messageId, USER.crt1, "Alex", "Hi, I'm Alex. I'm glad you wrote.")
          yield* editedTo(alert, "the first response", (m) => statusOf(m).includes("First human response"))
          const record = yield* recordOf(alert)
          expect(record.milestones.responded).toMatchObject({
            by: USER.crt1,
            detection: "relay",
            elapsedMs: 7 * MINUTE,
          })
          expect(record.milestones.ashContacted).toMatchObject({
            mode: "auto",
            via: "dm",
            elapsedMs: 5 * MINUTE,
          })
        }),
      ),
  )

  it.effect("expiry closes the conversation: the member is told, the thread archived", () =>
    withBot(
      Effect.gen(function* () {
        const alert = yield* alertFor(yield* say("critical", { from: USER.rowan }))
        yield* memberDms(USER.rowan, "thanks")
        yield* firstRelayedIn(alert.messageId)
        yield* TestClock.adjust(7 * MINUTE)
        yield* editedTo(alert, "the expiry", (m) => statusOf(m).includes("Expired"))
        yield* eventually(
          "the closing DM",
          Effect.map(dmsTo(USER.rowan), (all) =>
            Option.fromNullable(all.find((m) => m.content === CLOSING_MESSAGE)),
          ),
        )
        const closed = yield* eventually(
          "the closing notice",
          Effect.map(postsIn(alert.messageId), (all) =>
            Option.fromNullable(all.find((m) => m.content.includes("closed by expiry"))),
          ),
        )
        expect(closed.content).toContain("can write again")
        const threads = yield* Effect.flatMap(DiscordMemory, (d) => d.threads)
        expect(threads.find((t) => t.threadId === alert.messageId)?.archived).toBe(true)
      }),
      { env: { BOT_AUTO_INITIATE_ENABLED: "false", BOT_ALERT_EXPIRY_HOURS: "0.1" } },
    ),
  )
})

describe("signing", () => {
  it.effect("with BOT_RELAY_SIGN_WITH_NAME=false a CRT answer is signed by the team only", () =>
    withBot(
      Effect.gen(function* () {
        const alert = yield* alertFor(yield* say("critical", { from: USER.sky }))
        yield* memberDms(USER.sky, "hello")
        yield* firstRelayedIn(alert.messageId)
        yield* crtWrites(alert.messageId, USER.crt1, "Alex", "We're here for you.")
        const answer = yield* eventually(
          "the answer",
          Effect.map(dmsTo(USER.sky), (all) =>
            Option.fromNullable(all.find((m) => m.content.startsWith("We're here for you."))),
          ),
        )
        expect(answer.content).toBe("We're here for you.\n\n— Crisis Response Team")
      }),
      { env: { BOT_RELAY_SIGN_WITH_NAME: "false" } },
    ),
  )
})
