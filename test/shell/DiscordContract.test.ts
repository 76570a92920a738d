import { expect, layer, type Vitest } from "@effect/vitest"
import { Duration, Effect, Queue, type Scope, Stream } from "effect"
import type { ActionRow, AllowedMentions, EmbedData } from "../../src/core/DiscordMessage.js"
import { type CommandSpec, Discord, type DiscordError } from "../../src/shell/discord/Discord.js"
import { ALERT_CHANNEL_NEEDS, SUPPORT_CHANNEL_NEEDS } from "../../src/shell/discord/DiscordPort.js"
import {
  BOT,
  CHANNEL,
  Driver,
  displayNameOf,
  GUILD,
  liveImplementation,
  memoryImplementation,
  ROLE,
  USER,
} from "../support/discordDrivers.js"

/**
 * One contract, two implementations: what the in-process twin does is what discord.js does
 * against a Discord that keeps Discord's rules (the loopback emulator).
 */

const embed = (title: string, extra: Partial<EmbedData> = {}): EmbedData => ({
  title,
  description: "A member may need support.",
  color: 0xe67e22,
  author: { name: "River", iconUrl: "https://cdn.example.org/avatars/river.png" },
  fields: [
    { name: "Severity", value: "high", inline: true },
    { name: "Channel", value: `<#${CHANNEL.lounge}>`, inline: false },
  ],
  footer: { text: "alert 0001" },
  timestamp: "2025-10-09T12:00:00.000Z",
  ...extra,
})

const buttons = (...customIds: ReadonlyArray<string>): ReadonlyArray<ActionRow> => [
  {
    type: 1,
    components: customIds.map((customId, i) => ({
      type: 2,
      style: i === 0 ? 3 : 2,
      label: `Action ${i + 1}`,
      emoji: { name: "✅" },
      customId,
    })),
  },
]

/** What every alert sends: nothing parsed from the text, only the CRT role may be pinged. */
const crtOnly: AllowedMentions = { parse: [], roles: [ROLE.crt], users: [], repliedUser: false }
const nobody: AllowedMentions = { parse: [], roles: [], users: [], repliedUser: false }

/** Every id Discord hands out is a snowflake. */
const snowflake = expect.stringMatching(/^\d{17,20}$/)

/** Mentions of everyone the text could ping: only what `allowedMentions` lists may be. */
const loudContent = `<@&${ROLE.crt}> <@&${ROLE.member}> <@${USER.river}> @everyone a member may need support`

type Env = Discord | Driver | Scope.Scope

/** Subscribes to a port stream now; events queue up until taken. */
const listen = <A>(stream: Stream.Stream<A>): Effect.Effect<Queue.Dequeue<A>, never, Scope.Scope> =>
  Effect.gen(function* () {
    const queue = yield* Queue.unbounded<A>()
    yield* Effect.forkScoped(Stream.runForEach(stream, (a) => Queue.offer(queue, a)))
    yield* Effect.yieldNow()
    return queue
  })

/** The next event that `match` takes, with the events that came before it. */
const next = <A>(queue: Queue.Dequeue<A>, match: (a: A) => boolean) =>
  Effect.gen(function* () {
    const before: Array<A> = []
    for (;;) {
      const a = yield* Queue.take(queue)
      if (match(a)) return { found: a, before }
      before.push(a)
    }
  }).pipe(
    Effect.timeoutFail({
      duration: Duration.seconds(5),
      onTimeout: () => new Error("no such event within 5 s"),
    }),
  )

/** The port's failure, which must happen. */
const failure = <A>(effect: Effect.Effect<A, DiscordError>) => Effect.flip(effect)

/** Runs a case and then checks that nothing the bot did broke Discord's rules. */
const clean = <A, E>(body: Effect.Effect<A, E, Env>): Effect.Effect<void, E, Env> =>
  Effect.gen(function* () {
    yield* body
    const driver = yield* Driver
    expect(yield* driver.takeViolations).toEqual([])
  })

/** Forgets the breaches a case provoked on purpose (only the emulator records them); any other fails it. */
const expectedBreaches = (about: string) =>
  Effect.flatMap(Driver, (driver) =>
    Effect.map(driver.takeViolations, (breaches) =>
      expect(breaches.filter((b) => !b.includes(about))).toEqual([]),
    ),
  )

const ports = Effect.all({ discord: Discord, driver: Driver })

/** The cases, each run on both implementations. */
const contract = (it: Vitest.MethodsNonLive<Discord | Driver, true>) => {
  it.scoped("post gives a ref; read gives back content and embeds; only the listed roles are pinged", () =>
    clean(
      Effect.gen(function* () {
        const { discord, driver } = yield* ports
        const ref = yield* discord.post(CHANNEL.alerts, {
          content: loudContent,
          embeds: [embed("High severity")],
          components: buttons("ash:v1:ack:0001", "ash:v1:resolve:0001"),
          allowedMentions: crtOnly,
        })
        expect(ref).toEqual({ channelId: CHANNEL.alerts, messageId: snowflake })
        expect(yield* discord.read(ref)).toEqual({
          ...ref,
          content: loudContent,
          embeds: [embed("High severity")],
        })
        expect(yield* driver.botMessage(ref.messageId)).toEqual({
          ...ref,
          content: loudContent,
          embeds: [embed("High severity")],
          components: buttons("ash:v1:ack:0001", "ash:v1:resolve:0001"),
          replyTo: null,
          allowedMentions: { parse: [], roles: [ROLE.crt], users: [], repliedUser: false },
          pings: { roles: [ROLE.crt], users: [], everyone: false },
        })
        expect(discord.botUserId).toBe(BOT)
      }),
    ),
  )

  it.scoped("edit replaces embeds and buttons and keeps the content", () =>
    clean(
      Effect.gen(function* () {
        const { discord, driver } = yield* ports
        const ref = yield* discord.post(CHANNEL.alerts, {
          content: "New alert",
          embeds: [embed("High severity")],
          components: buttons("ash:v1:ack:0002", "ash:v1:resolve:0002"),
          allowedMentions: nobody,
        })
        const acknowledged = embed("Acknowledged", { color: 0x2ecc71, fields: [] })
        yield* discord.edit(ref, {
          embeds: [acknowledged],
          components: buttons("ash:v1:resolve:0002"),
          allowedMentions: nobody,
        })
        expect(yield* discord.read(ref)).toEqual({ ...ref, content: "New alert", embeds: [acknowledged] })
        expect(yield* driver.botMessage(ref.messageId)).toMatchObject({
          content: "New alert",
          embeds: [acknowledged],
          components: buttons("ash:v1:resolve:0002"),
        })
      }),
    ),
  )

  it.scoped("reply lands in the same channel, references the original, and never pings its author", () =>
    clean(
      Effect.gen(function* () {
        const { discord, driver } = yield* ports
        const said = yield* driver.memberSays({
          channelId: CHANNEL.lounge,
          userId: USER.river,
          content: "hello?",
        })
        const content = `<@${USER.river}> someone from the team is here`
        const reply = yield* discord.reply(
          { channelId: CHANNEL.lounge, messageId: said },
          { content, allowedMentions: nobody },
        )
        expect(reply).toEqual({ channelId: CHANNEL.lounge, messageId: snowflake })
        const seen = yield* driver.botMessage(reply.messageId)
        expect(seen).toMatchObject({ channelId: CHANNEL.lounge, content, replyTo: said })
        expect(seen.pings).toEqual({ roles: [], users: [], everyone: false })
        expect((yield* driver.botMessagesIn(CHANNEL.lounge)).map((m) => m.messageId)).toContain(
          reply.messageId,
        )

        // A reply to a message that is not (or no longer) in the channel goes out as a plain message.
        const orphan = yield* discord.reply(
          { channelId: CHANNEL.alerts, messageId: said },
          { content: "still here", allowedMentions: nobody },
        )
        expect(orphan.channelId).toBe(CHANNEL.alerts)
        expect(yield* driver.botMessage(orphan.messageId)).toMatchObject({
          content: "still here",
          replyTo: null,
        })
      }),
    ),
  )

  it.scoped("read sees any message of its channel only; a member's message cannot be edited", () =>
    clean(
      Effect.gen(function* () {
        const { discord, driver } = yield* ports
        const said = yield* driver.memberSays({
          channelId: CHANNEL.lounge,
          userId: USER.sky,
          content: "rough day",
        })
        const ref = { channelId: CHANNEL.lounge, messageId: said }
        expect(yield* discord.read(ref)).toEqual({ ...ref, content: "rough day", embeds: [] })
        expect(yield* failure(discord.read({ channelId: CHANNEL.alerts, messageId: said }))).toMatchObject({
          kind: "not_found",
          status: 404,
          code: 10008,
        })
        expect(
          yield* failure(discord.read({ channelId: CHANNEL.lounge, messageId: "1300000000000000000" })),
        ).toMatchObject({ kind: "not_found", code: 10008 })
        const edit = { embeds: [embed("Hijacked")], components: [], allowedMentions: nobody }
        expect(yield* failure(discord.edit(ref, edit))).toMatchObject({
          kind: "forbidden",
          status: 403,
          code: 50005,
        })
        expect(yield* discord.read(ref)).toEqual({ ...ref, content: "rough day", embeds: [] })
      }),
    ),
  )

  it.scoped("sendDm reaches the member; with their DMs closed it fails as dm_closed (403, 50007)", () =>
    clean(
      Effect.gen(function* () {
        const { discord, driver } = yield* ports
        const dm = yield* discord.sendDm(USER.river, {
          content: "Checking in on you",
          allowedMentions: nobody,
        })
        expect(dm).toEqual({ channelId: snowflake, messageId: snowflake })
        expect(dm.channelId).not.toBe(USER.river)
        const dms = yield* driver.dmsTo(USER.river)
        expect(dms.map((m) => [m.channelId, m.messageId, m.content])).toEqual([
          [dm.channelId, dm.messageId, "Checking in on you"],
        ])
        expect(yield* discord.read(dm)).toEqual({ ...dm, content: "Checking in on you", embeds: [] })
        const again = yield* discord.sendDm(USER.river, { content: "Still here", allowedMentions: nobody })
        expect(again.channelId).toBe(dm.channelId)

        yield* driver.closeDms(USER.quinn)
        const refused = yield* failure(discord.sendDm(USER.quinn, { content: "Hi", allowedMentions: nobody }))
        expect(refused).toMatchObject({ _tag: "DiscordError", kind: "dm_closed", status: 403, code: 50007 })
        expect(yield* driver.dmsTo(USER.quinn)).toEqual([])
      }),
    ),
  )

  it.scoped(
    "openPrivateThread opens a private thread in the channel with the bot and the given members",
    () =>
      clean(
        Effect.gen(function* () {
          const { discord, driver } = yield* ports
          const threadId = yield* discord.openPrivateThread(CHANNEL.alerts, "alert-0003", [
            USER.alex,
            USER.sam,
          ])
          expect(threadId).toEqual(snowflake)
          expect((yield* driver.threads).filter((t) => t.threadId === threadId)).toEqual([
            {
              threadId,
              parentId: CHANNEL.alerts,
              name: "alert-0003",
              private: true,
              archived: false,
              memberIds: [BOT, USER.alex, USER.sam].sort(),
            },
          ])
          const tooLong = yield* failure(
            discord.openPrivateThread(CHANNEL.alerts, "x".repeat(101), [USER.alex]),
          )
          expect(tooLong.kind).toBe("rejected")
          expect((yield* driver.threads).filter((t) => t.name.length > 100)).toEqual([])
          yield* expectedBreaches("thread name")
        }),
      ),
  )

  it.scoped("messages: a member's message arrives with its fields; the bot's own posts do not", () =>
    clean(
      Effect.gen(function* () {
        const { discord, driver } = yield* ports
        const incoming = yield* listen(discord.messages)
        yield* discord.post(CHANNEL.lounge, { content: "Welcome back", allowedMentions: nobody })
        const before = Date.now()
        const said = yield* driver.memberSays({
          channelId: CHANNEL.lounge,
          userId: USER.river,
          content: "I don't feel safe tonight",
        })
        const after = Date.now()
        const { found, before: earlier } = yield* next(incoming, (m) => m.messageId === said)
        expect(earlier.filter((m) => m.author.id === BOT)).toEqual([])
        expect(found).toMatchObject({
          guildId: GUILD,
          channelId: CHANNEL.lounge,
          parentChannelId: null,
          messageId: said,
          author: { id: USER.river, bot: false, displayName: "Riv" },
          content: "I don't feel safe tonight",
        })
        expect(found.sentAt).toBeGreaterThanOrEqual(before)
        expect(found.sentAt).toBeLessThanOrEqual(after)

        const botSaid = yield* driver.memberSays({
          channelId: CHANNEL.lounge,
          userId: USER.otherBot,
          content: "beep",
        })
        const fromBot = yield* next(incoming, (m) => m.messageId === botSaid)
        expect(fromBot.found.author).toMatchObject({
          id: USER.otherBot,
          bot: true,
          displayName: "another_bot",
        })
        expect(fromBot.before.filter((m) => m.author.id === BOT)).toEqual([])
      }),
    ),
  )

  it.scoped("messages: the author's roles, whom a reply answers, and whom a message mentions arrive", () =>
    clean(
      Effect.gen(function* () {
        const { discord, driver } = yield* ports
        const incoming = yield* listen(discord.messages)
        const first = yield* driver.memberSays({
          channelId: CHANNEL.lounge,
          userId: USER.river,
          content: "rough day",
        })
        const reply = yield* driver.memberSays({
          channelId: CHANNEL.lounge,
          userId: USER.sam,
          content: `I'm here <@${USER.quinn}>`,
          replyTo: first,
          mentions: [USER.quinn],
        })
        const plain = yield* driver.memberSays({ channelId: CHANNEL.lounge, userId: USER.sky, content: "hi" })
        const got = yield* next(incoming, (m) => m.messageId === reply)
        expect(got.found.author.roleIds).toEqual(expect.arrayContaining([ROLE.crt, ROLE.member]))
        expect(got.found.author.roleIds).toHaveLength(2)
        expect(got.found.repliedToUserId).toBe(USER.river)
        expect([...got.found.mentionedUserIds].sort()).toEqual([USER.river, USER.quinn].sort())
        const other = yield* next(incoming, (m) => m.messageId === plain)
        expect(other.found).toMatchObject({ repliedToUserId: null, mentionedUserIds: [] })
        expect(other.found.author.roleIds).toEqual([ROLE.member])
      }),
    ),
  )

  it.scoped(
    "private threads: a member the bot mentions is added; a role that manages threads writes unadded",
    () =>
      clean(
        Effect.gen(function* () {
          const { discord, driver } = yield* ports
          const incoming = yield* listen(discord.messages)
          const threadId = yield* discord.openPrivateThread(CHANNEL.lounge, "support", [USER.river])
          yield* discord.post(threadId, {
            content: `<@${USER.sky}> <@&${ROLE.crt}> please answer here`,
            allowedMentions: { parse: [], roles: [ROLE.crt], users: [USER.sky], repliedUser: false },
          })
          const thread = (yield* driver.threads).find((t) => t.threadId === threadId)
          expect(thread?.memberIds).toEqual([BOT, USER.river, USER.sky].sort())
          // Alex holds the CRT role, which may manage threads: not added, yet able to answer.
          const said = yield* driver.memberSays({
            channelId: threadId,
            userId: USER.alex,
            content: "Hi River",
          })
          const { found } = yield* next(incoming, (m) => m.messageId === said)
          expect(found).toMatchObject({ channelId: threadId, parentChannelId: CHANNEL.lounge })
          expect(found.author.roleIds).toEqual([ROLE.crt])
        }),
      ),
  )

  it.scoped(
    "threads on a message: public, named after it, one per message; members write there unadded",
    () =>
      clean(
        Effect.gen(function* () {
          const { discord, driver } = yield* ports
          const incoming = yield* listen(discord.messages)
          const alert = yield* discord.post(CHANNEL.alerts, { content: "An alert", allowedMentions: nobody })
          const threadId = yield* discord.openThreadOn(alert, "alert_000000000001")
          expect(threadId).toBe(alert.messageId)
          const thread = (yield* driver.threads).find((t) => t.threadId === threadId)
          expect(thread).toMatchObject({
            parentId: CHANNEL.alerts,
            name: "alert_000000000001",
            private: false,
          })
          const said = yield* driver.memberSays({ channelId: threadId, userId: USER.alex, content: "on it" })
          const { found } = yield* next(incoming, (m) => m.messageId === said)
          expect(found).toMatchObject({ channelId: threadId, parentChannelId: CHANNEL.alerts })
          const again = yield* failure(discord.openThreadOn(alert, "again"))
          expect(again).toMatchObject({ kind: "rejected", status: 400, code: 160004 })
        }),
      ),
  )

  it.scoped("threads on messages: the bot archives one it opened; an unknown one is not_found", () =>
    clean(
      Effect.gen(function* () {
        const { discord, driver } = yield* ports
        const alert = yield* discord.post(CHANNEL.alerts, { content: "An alert", allowedMentions: nobody })
        const threadId = yield* discord.openThreadOn(alert, "conversation")
        const archived = () =>
          Effect.map(driver.threads, (all) => all.find((t) => t.threadId === threadId)?.archived)
        expect(yield* archived()).toBe(false)
        yield* discord.archiveThread(threadId)
        expect(yield* archived()).toBe(true)
        expect(yield* failure(discord.archiveThread("1500000000000000001"))).toMatchObject({
          kind: "not_found",
        })
      }),
    ),
  )

  it.scoped("guilds of a member: the guild the bot shares with them", () =>
    clean(
      Effect.gen(function* () {
        const { discord } = yield* ports
        expect(yield* discord.guildsOf(USER.river)).toEqual([GUILD])
      }),
    ),
  )

  it.scoped("private threads: the bot deletes one it opened; an unknown one is not_found", () =>
    clean(
      Effect.gen(function* () {
        const { discord, driver } = yield* ports
        const threadId = yield* discord.openPrivateThread(CHANNEL.lounge, "support", [USER.river])
        const other = yield* discord.openPrivateThread(CHANNEL.lounge, "another", [USER.sky])
        yield* discord.deleteThread(threadId)
        const left = (yield* driver.threads).map((t) => t.threadId)
        expect(left).toContain(other)
        expect(left).not.toContain(threadId)
        expect(yield* failure(discord.deleteThread(threadId))).toMatchObject({ kind: "not_found" })
      }),
    ),
  )

  it.scoped("support channel: what the bot lacks there, and which roles do not manage threads", () =>
    clean(
      Effect.gen(function* () {
        const { discord } = yield* ports
        const access = yield* discord.channelAccess(CHANNEL.lounge, SUPPORT_CHANNEL_NEEDS, [
          ROLE.crt,
          ROLE.member,
        ])
        expect(access).toEqual({ botLacks: [], rolesWithoutManageThreads: [ROLE.member] })
        const alerts = yield* discord.channelAccess(CHANNEL.alerts, ALERT_CHANNEL_NEEDS, [])
        expect(alerts).toEqual({ botLacks: [], rolesWithoutManageThreads: [] })
      }),
    ),
  )

  it.scoped("presses: a button in a DM is pressed by its recipient, outside any guild", () =>
    clean(
      Effect.gen(function* () {
        const { discord, driver } = yield* ports
        const presses = yield* listen(discord.presses)
        const dm = yield* discord.sendDm(USER.river, {
          content: "Checking in",
          components: [
            {
              type: 1,
              components: [
                {
                  type: 2,
                  style: 2,
                  label: "I'd rather talk to a person",
                  emoji: { name: "👤" },
                  customId: "ash:v1:optout:alert_000000000001",
                },
              ],
            },
          ],
          allowedMentions: nobody,
        })
        const pressed = yield* driver.press({
          messageId: dm.messageId,
          customId: "ash:v1:optout:alert_000000000001",
          userId: USER.river,
        })
        const { found } = yield* next(presses, (p) => p.interaction.id === pressed)
        expect(found).toMatchObject({ userId: USER.river, guildId: null, roleIds: [] })
        expect(found.message.messageId).toBe(dm.messageId)
        yield* discord.interactions.reply(found.interaction, { content: "Thank you" })
        expect(yield* driver.answers(pressed)).toEqual([
          { _tag: "reply", content: "Thank you", ephemeral: true },
        ])
      }),
    ),
  )

  it.scoped(
    "direct messages: a member's DM arrives with its text and files; guild messages and the bot's own do not",
    () =>
      clean(
        Effect.gen(function* () {
          const { discord, driver } = yield* ports
          const dms = yield* listen(discord.directMessages)
          yield* driver.memberSays({ channelId: CHANNEL.lounge, userId: USER.sky, content: "in the lounge" })
          const dm = yield* discord.sendDm(USER.river, { content: "Checking in", allowedMentions: nobody })
          const before = Date.now()
          const said = yield* driver.memberDms({
            userId: USER.river,
            content: "thank you",
            attachments: ["drawing.png"],
          })
          const { found, before: earlier } = yield* next(dms, (m) => m.messageId === said)
          expect(earlier).toEqual([])
          expect(found).toMatchObject({ channelId: dm.channelId, authorId: USER.river, content: "thank you" })
          expect(found.attachments).toEqual([
            { name: "drawing.png", url: expect.stringMatching(/^https?:\/\/.+drawing\.png$/) },
          ])
          expect(found.sentAt).toBeGreaterThanOrEqual(before - 1_000)
        }),
      ),
  )

  it.scoped("messages: in a private thread the message names the thread's channel as its parent", () =>
    clean(
      Effect.gen(function* () {
        const { discord, driver } = yield* ports
        const incoming = yield* listen(discord.messages)
        const threadId = yield* discord.openPrivateThread(CHANNEL.lounge, "check-in", [USER.river])
        const said = yield* driver.memberSays({
          channelId: threadId,
          userId: USER.river,
          content: "thank you",
        })
        const { found } = yield* next(incoming, (m) => m.messageId === said)
        expect(found).toMatchObject({
          guildId: GUILD,
          channelId: threadId,
          parentChannelId: CHANNEL.lounge,
          author: { id: USER.river, displayName: displayNameOf(USER.river) },
          content: "thank you",
        })
      }),
    ),
  )

  it.scoped(
    "presses: a press arrives with the message; deferUpdate + editOriginal edit it; followUp after",
    () =>
      clean(
        Effect.gen(function* () {
          const { discord, driver } = yield* ports
          const presses = yield* listen(discord.presses)
          const posted = embed("High severity")
          const ref = yield* discord.post(CHANNEL.alerts, {
            content: "New alert",
            embeds: [posted],
            components: buttons("ash:v1:ack:0004", "ash:v1:resolve:0004"),
            allowedMentions: nobody,
          })
          const interactionId = yield* driver.press({
            messageId: ref.messageId,
            customId: "ash:v1:ack:0004",
            userId: USER.sam,
          })
          const { found: press } = yield* next(presses, (p) => p.interaction.id === interactionId)
          expect({ ...press, roleIds: [...press.roleIds].sort() }).toEqual({
            interaction: { id: interactionId },
            customId: "ash:v1:ack:0004",
            userId: USER.sam,
            roleIds: [ROLE.crt, ROLE.member].sort(),
            guildId: GUILD,
            message: { ...ref, content: "New alert", embeds: [posted] },
          })

          const acknowledged = embed("Acknowledged by Sam", { color: 0x2ecc71 })
          yield* discord.interactions.deferUpdate(press.interaction)
          yield* discord.interactions.editOriginal(press.interaction, {
            embeds: [acknowledged],
            components: buttons("ash:v1:resolve:0004"),
            allowedMentions: nobody,
          })
          yield* discord.interactions.followUp(press.interaction, { content: "Noted." })
          expect(yield* driver.botMessage(ref.messageId)).toMatchObject({
            content: "New alert",
            embeds: [acknowledged],
            components: buttons("ash:v1:resolve:0004"),
          })
          expect(yield* discord.read(ref)).toEqual({ ...ref, content: "New alert", embeds: [acknowledged] })
          expect(yield* driver.answers(interactionId)).toEqual([
            { _tag: "deferUpdate" },
            { _tag: "editOriginal", embeds: [acknowledged], components: buttons("ash:v1:resolve:0004") },
            { _tag: "followUp", content: "Noted.", ephemeral: true },
          ])
        }),
      ),
  )

  it.scoped(
    "presses: reply is ephemeral and the only one; editOriginal then edits the reply, not the message",
    () =>
      clean(
        Effect.gen(function* () {
          const { discord, driver } = yield* ports
          const presses = yield* listen(discord.presses)
          const posted = embed("High severity")
          const ref = yield* discord.post(CHANNEL.alerts, {
            embeds: [posted],
            components: buttons("ash:v1:talk:0005"),
            allowedMentions: nobody,
          })
          const interactionId = yield* driver.press({
            messageId: ref.messageId,
            customId: "ash:v1:talk:0005",
            userId: USER.alex,
          })
          const { found: press } = yield* next(presses, (p) => p.interaction.id === interactionId)
          expect(press.roleIds).toEqual([ROLE.crt])
          yield* discord.interactions.reply(press.interaction, { content: "Not available yet." })
          const second = yield* failure(discord.interactions.reply(press.interaction, { content: "Again" }))
          expect(second.kind).toBe("rejected")
          const deferred = yield* failure(discord.interactions.deferUpdate(press.interaction))
          expect(deferred.kind).toBe("rejected")
          const note = embed("Note")
          yield* discord.interactions.editOriginal(press.interaction, {
            embeds: [note],
            components: [],
            allowedMentions: nobody,
          })
          expect(yield* driver.answers(interactionId)).toEqual([
            { _tag: "reply", content: "Not available yet.", ephemeral: true },
            { _tag: "editOriginal", embeds: [note], components: [] },
          ])
          expect(yield* driver.botMessage(ref.messageId)).toMatchObject({
            embeds: [posted],
            components: buttons("ash:v1:talk:0005"),
          })
        }),
      ),
  )

  it.scoped("interactions: nothing before the acknowledgement, and only interactions Discord sent", () =>
    clean(
      Effect.gen(function* () {
        const { discord, driver } = yield* ports
        const presses = yield* listen(discord.presses)
        const ref = yield* discord.post(CHANNEL.alerts, {
          embeds: [embed("High severity")],
          components: buttons("ash:v1:ack:0006"),
          allowedMentions: nobody,
        })
        const interactionId = yield* driver.press({
          messageId: ref.messageId,
          customId: "ash:v1:ack:0006",
          userId: USER.alex,
        })
        const { found: press } = yield* next(presses, (p) => p.interaction.id === interactionId)
        const early = yield* failure(
          discord.interactions.followUp(press.interaction, { content: "Too early" }),
        )
        expect(early.kind).toBe("not_found")
        const edit = { embeds: [embed("Too early")], components: [], allowedMentions: nobody }
        expect((yield* failure(discord.interactions.editOriginal(press.interaction, edit))).kind).toBe(
          "not_found",
        )
        yield* discord.interactions.deferUpdate(press.interaction)
        expect(yield* driver.answers(interactionId)).toEqual([{ _tag: "deferUpdate" }])
        expect(yield* driver.botMessage(ref.messageId)).toMatchObject({ embeds: [embed("High severity")] })

        const unknown = { id: "1400000000000000000" }
        expect((yield* failure(discord.interactions.reply(unknown, { content: "Hello?" }))).kind).toBe(
          "not_found",
        )
        expect((yield* failure(discord.interactions.deferReply(unknown, true))).kind).toBe("not_found")
      }),
    ),
  )

  const alertCommand: CommandSpec = {
    name: "alert",
    description: "Crisis alerts",
    options: [
      {
        type: "subcommand",
        name: "raise",
        description: "Raise an alert by hand",
        options: [
          {
            type: "string",
            name: "reason",
            description: "Why",
            required: true,
            choices: [
              { name: "Member in distress", value: "distress" },
              { name: "Other", value: "other" },
            ],
          },
          { type: "integer", name: "level", description: "Severity 1-5", required: false },
          { type: "boolean", name: "urgent", description: "Page the team" },
        ],
      },
      { type: "subcommand", name: "stats", description: "This week's numbers", options: [] },
    ],
  }

  it.scoped("commands: registerCommands registers what was given, and refuses what Discord refuses", () =>
    clean(
      Effect.gen(function* () {
        const { discord, driver } = yield* ports
        yield* discord.registerCommands([alertCommand], [GUILD])
        const registered = yield* driver.registered
        expect(registered).toHaveLength(1)
        expect(registered[0]).toMatchObject({ name: "alert", description: "Crisis alerts" })
        expect(registered[0]?.options).toEqual([
          {
            type: "subcommand",
            name: "raise",
            description: "Raise an alert by hand",
            options: [
              {
                type: "string",
                name: "reason",
                description: "Why",
                required: true,
                choices: [
                  { name: "Member in distress", value: "distress" },
                  { name: "Other", value: "other" },
                ],
              },
              { type: "integer", name: "level", description: "Severity 1-5", required: false },
              { type: "boolean", name: "urgent", description: "Page the team", required: false },
            ],
          },
          { type: "subcommand", name: "stats", description: "This week's numbers", options: [] },
        ])

        const refusals = [
          { ...alertCommand, name: "Alert" },
          { ...alertCommand, description: "" },
          {
            name: "report",
            description: "Weekly report",
            options: [
              { type: "integer", name: "week", description: "Week number", required: false },
              { type: "string", name: "team", description: "Team", required: true },
            ],
          },
        ] satisfies ReadonlyArray<CommandSpec>
        for (const bad of refusals) {
          const refused = yield* failure(discord.registerCommands([bad], [GUILD]))
          expect(refused).toMatchObject({ kind: "rejected", status: 400, code: 50035 })
        }
        expect(yield* driver.registered).toEqual(registered)
        yield* expectedBreaches("command registration")
      }),
    ),
  )

  it.scoped(
    "commands: an invocation carries its sub-command and options; deferReply + editOriginal, or reply",
    () =>
      clean(
        Effect.gen(function* () {
          const { discord, driver } = yield* ports
          yield* discord.registerCommands([alertCommand], [GUILD])
          const commands = yield* listen(discord.commands)
          const raised = yield* driver.runCommand({
            name: "alert",
            subcommand: "raise",
            options: { reason: "distress", level: 4, urgent: true },
            userId: USER.alex,
            channelId: CHANNEL.alerts,
          })
          const { found: invocation } = yield* next(commands, (c) => c.interaction.id === raised)
          expect(invocation).toEqual({
            interaction: { id: raised },
            name: "alert",
            subcommand: "raise",
            options: { reason: "distress", level: 4, urgent: true },
            userId: USER.alex,
            roleIds: [ROLE.crt],
            guildId: GUILD,
            channelId: CHANNEL.alerts,
            attachmentLimitBytes: 10 * 1024 * 1024,
          })
          expect((yield* failure(discord.interactions.deferUpdate(invocation.interaction))).kind).toBe(
            "rejected",
          )
          const answer = embed("Alert raised")
          yield* discord.interactions.deferReply(invocation.interaction, true)
          yield* discord.interactions.editOriginal(invocation.interaction, {
            embeds: [answer],
            components: [],
            allowedMentions: nobody,
          })
          expect(yield* driver.answers(raised)).toEqual([
            { _tag: "deferReply", ephemeral: true },
            { _tag: "editOriginal", embeds: [answer], components: [] },
          ])

          const stats = yield* driver.runCommand({
            name: "alert",
            subcommand: "stats",
            userId: USER.sam,
            channelId: CHANNEL.alerts,
          })
          const { found: asked } = yield* next(commands, (c) => c.interaction.id === stats)
          expect(asked).toMatchObject({ name: "alert", subcommand: "stats", options: {}, userId: USER.sam })
          yield* discord.interactions.reply(asked.interaction, { content: "3 alerts this week." })
          expect(yield* driver.answers(stats)).toEqual([
            { _tag: "reply", content: "3 alerts this week.", ephemeral: true },
          ])
        }),
      ),
  )

  it.scoped(
    "failures: 403 on post is forbidden, once; a lone 5xx is retried away; a persistent one is unavailable",
    () =>
      clean(
        Effect.gen(function* () {
          const { discord, driver } = yield* ports
          const message = { content: "New alert", allowedMentions: nobody }
          yield* driver.fail("post", { status: 403, code: 50013 }, { target: CHANNEL.alerts })
          expect(yield* failure(discord.post(CHANNEL.alerts, message))).toMatchObject({
            kind: "forbidden",
            status: 403,
            code: 50013,
          })
          const after = yield* discord.post(CHANNEL.alerts, message)
          expect(yield* discord.read(after)).toMatchObject({ content: "New alert" })

          yield* driver.fail("post", { status: 502 }, { target: CHANNEL.alerts })
          const retried = yield* discord.post(CHANNEL.alerts, message)
          expect(yield* discord.read(retried)).toMatchObject({ content: "New alert" })

          yield* driver.fail("post", { status: 503 }, { target: CHANNEL.outage, times: 100 })
          expect(yield* failure(discord.post(CHANNEL.outage, message))).toMatchObject({
            kind: "unavailable",
            status: 503,
          })
          expect(yield* driver.botMessagesIn(CHANNEL.outage)).toEqual([])
        }),
      ),
  )

  it.scoped("failures: a 429 on post is waited out and the post goes through", () =>
    clean(
      Effect.gen(function* () {
        const { discord, driver } = yield* ports
        yield* driver.fail("post", { status: 429, retryAfterMs: 200 }, { target: CHANNEL.lounge })
        const started = Date.now()
        const ref = yield* discord.post(CHANNEL.lounge, {
          content: "after the limit",
          allowedMentions: nobody,
        })
        expect(Date.now() - started).toBeGreaterThanOrEqual(200)
        expect(yield* discord.read(ref)).toMatchObject({ content: "after the limit" })
        expect(
          (yield* driver.botMessagesIn(CHANNEL.lounge)).filter((m) => m.messageId === ref.messageId),
        ).toHaveLength(1)
      }),
    ),
  )

  it.scoped("failures: read asks Discord, so a message Discord no longer has is not_found", () =>
    clean(
      Effect.gen(function* () {
        const { discord, driver } = yield* ports
        const ref = yield* discord.post(CHANNEL.alerts, {
          embeds: [embed("High severity")],
          allowedMentions: nobody,
        })
        yield* driver.fail("read", { status: 404, code: 10008 }, { target: CHANNEL.alerts })
        expect(yield* failure(discord.read(ref))).toMatchObject({
          kind: "not_found",
          status: 404,
          code: 10008,
        })
        expect(yield* discord.read(ref)).toMatchObject({ embeds: [embed("High severity")] })
      }),
    ),
  )
}

const implementations = [
  { name: "Discord.Memory", implementation: memoryImplementation },
  { name: "Discord.layer (discord.js against the loopback Discord)", implementation: liveImplementation },
] as const

for (const { name, implementation } of implementations) {
  layer(implementation, { excludeTestServices: true, timeout: Duration.seconds(15) })(
    `Discord port contract on ${name}`,
    contract,
  )
}
