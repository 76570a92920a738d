/**
 * The conversation after contact, on the Discord wire: the member's DMs reach the staff thread on
 * the alert, the CRT answers through the bot, first response measured from the relay — the real
 * discord.js client, the loopback emulator, a real Redis.
 */
import type { APIMessage } from "discord-api-types/v10"
import { describe, expect, it } from "vitest"
import { AUTO_REPLY, CLOSING_MESSAGE, NOT_RELAYED_CLOSED, NOT_RELAYED_NOT_CRT } from "../../src/core/Relay.js"
import { alertFor, customIdOf, say, statusOf, waitFor } from "./helpers.js"
import { CHANNEL, ROLE, USER, worldForFile } from "./world.js"

// Contact only when a CRT member asks; no cooldown (the members here raise several alerts).
const file = worldForFile({
  BOT_AUTO_INITIATE_DELAY_MINUTES_HIGH: "off",
  BOT_AUTO_INITIATE_DELAY_MINUTES_CRITICAL: "off",
  BOT_ALERT_COOLDOWN: "0",
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const discord = () => file.world.discord

/** The bot's messages in a channel whose text or embeds include `text`. */
const botSays = (channelId: string, text: string) =>
  discord()
    .messages(channelId)
    .filter(
      (m) => m.author.id === discord().botUser.id && JSON.stringify([m.content, m.embeds]).includes(text),
    )

const relayed = (threadId: string) =>
  discord()
    .messages(threadId)
    .filter((m) => m.embeds[0]?.title === "💬 The member wrote")

const memberDms = (userId: string, content: string, severity?: "low" | "high" | "critical") => {
  if (severity !== undefined) file.world.script(content, () => file.world.nlp.replyFor(severity))
  return discord().memberSays({ channelId: discord().dmChannel(userId), userId, content })
}

const crtSays = (threadId: string, userId: string, content: string) =>
  discord().memberSays({ channelId: threadId, userId, content })

const edited = (alert: APIMessage, what: string, test: (m: APIMessage) => boolean) =>
  discord()
    .waitForEdit(alert.id, test, 5_000)
    .catch(() => {
      throw new Error(`the alert never showed ${what}: ${statusOf(discord().message(alert.id) ?? alert)}`)
    })

/** An alert for `userId`, Talk to Ash pressed, the welcome DMed and the staff thread open. */
const talkingTo = async (userId: string, severity: "high" | "critical" = "critical") => {
  const channel = severity === "critical" ? CHANNEL.critical : CHANNEL.crisis
  const source = say(file.world, severity, { userId, channelId: CHANNEL.general })
  const alert = await alertFor(file.world, channel, source.id)
  await discord().clickButton({
    messageId: alert.id,
    customId: customIdOf(alert, "Talk to Ash"),
    userId: USER.crt1,
  }).firstCallback
  const thread = await waitFor("the staff thread", () =>
    discord()
      .threads()
      .find((t) => t.channel.id === alert.id),
  )
  await waitFor("the thread's introduction", () => botSays(thread.channel.id, "How to answer")[0])
  return { alert, threadId: thread.channel.id }
}

describe("the member writes back", () => {
  it("a staff thread on the alert; 10 quick DMs arrive in order, the first pings the CRT; Ash answers the first once", async () => {
    const { alert, threadId } = await talkingTo(USER.member)
    const thread = discord()
      .threads()
      .find((t) => t.channel.id === threadId)
    expect(thread?.channel.parent_id).toBe(CHANNEL.critical)
    expect(thread?.channel.name).toContain("Conversation")
    const [intro] = botSays(threadId, "How to answer")
    expect(intro?.content).toContain(`for <@${USER.crt1}>`)
    expect(intro?.content).toContain("They received:")
    const texts = Array.from({ length: 10 }, (_, i) => `reply ${i} from River`)
    for (const text of texts) memberDms(USER.member, text, "low")
    await waitFor("ten relayed messages", () => (relayed(threadId).length === 10 ? true : undefined))
    const inThread = relayed(threadId)
    expect(inThread.map((m) => m.embeds[0]?.description)).toEqual(texts)
    expect(inThread[0]?.mention_roles).toEqual([ROLE.crt])
    expect(inThread.slice(1).every((m) => m.mention_roles.length === 0)).toBe(true)
    // The NLP's reading is added to each relayed message.
    await waitFor("the readings", () =>
      relayed(threadId).every((m) => m.embeds[0]?.footer?.text === "NLP: LOW") ? true : undefined,
    )
    const autoReplies = discord()
      .dmsTo(USER.member)
      .filter((m) => m.content === AUTO_REPLY)
    expect(autoReplies).toHaveLength(1)
    // Nobody has answered yet: the alert shows no first response.
    await sleep(300)
    expect(statusOf(discord().message(alert.id) ?? alert)).not.toContain("First human response")
  })

  it("CRT answers in the thread reach the member signed; notes and non-CRT messages do not; the first relayed answer is the first response, once", async () => {
    const { alert, threadId } = await talkingTo(USER.other)
    discord().memberSays({
      channelId: discord().dmChannel(USER.other),
      userId: USER.other,
      content: "is anyone there?",
      attachments: [{ filename: "my-drawing.png" }],
    })
    const first = await waitFor("the member's message", () => relayed(threadId)[0])
    expect(first.embeds[0]?.description).toMatch(
      /^is anyone there\?\n\n📎 \[my-drawing\.png\]\(http.+my-drawing\.png\)$/,
    )
    // Ash's own answer to that first message comes apart from the relay, and may come later.
    await waitFor("Ash's answer", () =>
      discord()
        .dmsTo(USER.other)
        .find((m) => m.content === AUTO_REPLY),
    )
    const dmsBefore = discord().dmsTo(USER.other).length
    crtSays(threadId, USER.crt2, "// checking their history first")
    crtSays(threadId, USER.bystander, "hello from outside the team")
    await waitFor("the non-CRT note", () => botSays(threadId, NOT_RELAYED_NOT_CRT)[0])
    crtSays(threadId, USER.crt2, "Hi, I'm Sam from the Crisis Response Team. I'm here with you.")
    const answer = await waitFor("the relayed answer", () => discord().dmsTo(USER.other)[dmsBefore])
    expect(answer.content).toBe(
      "Hi, I'm Sam from the Crisis Response Team. I'm here with you.\n\n— Sam, Crisis Response Team",
    )
    expect(discord().allowedMentions(answer.id)).toMatchObject({ parse: [], roles: [], users: [] })
    const shown = await edited(alert, "the first response", (m) =>
      statusOf(m).includes("First human response"),
    )
    expect(statusOf(shown)).toContain(`First human response by <@${USER.crt2}> after`)
    expect(statusOf(shown)).toContain("(through the relay)")
    crtSays(threadId, USER.crt1, "I'm here too.")
    await waitFor("the second answer", () => discord().dmsTo(USER.other)[dmsBefore + 1])
    await sleep(300)
    // Only the two answers were sent: no note, no outsider's message.
    expect(
      discord()
        .dmsTo(USER.other)
        .slice(dmsBefore)
        .map((m) => m.content.split("\n")[0]),
    ).toEqual(["Hi, I'm Sam from the Crisis Response Team. I'm here with you.", "I'm here too."])
    expect(statusOf(discord().message(alert.id) ?? alert)).toContain(
      `First human response by <@${USER.crt2}>`,
    )
  })

  it("a CRITICAL reply to a HIGH alert raises its badge and re-pings the CRT", async () => {
    const { alert, threadId } = await talkingTo(USER.quinn, "high")
    memberDms(USER.quinn, "I have the pills in front of me now", "critical")
    const raised = await edited(alert, "the raise", (m) => statusOf(m).includes("Raised from HIGH"))
    expect(raised.embeds[0]?.title).toBe("🚨 CRITICAL ALERT")
    expect(raised.embeds[0]?.fields?.find((f) => f.name === "⚡ Severity")?.value).toBe("`CRITICAL`")
    const ping = await waitFor("the re-ping", () =>
      discord()
        .messages(CHANNEL.crisis)
        .find((m) => m.message_reference?.message_id === alert.id && m.content.includes("more severe")),
    )
    expect(ping.mention_roles).toEqual([ROLE.crt])
    await waitFor("the reading", () =>
      relayed(threadId)[0]?.embeds[0]?.footer?.text === "NLP: CRITICAL" ? true : undefined,
    )
  })
})

describe("closing and after", () => {
  it("Resolve: the member is told, the thread archived; a later DM opens a new alert with its own thread", async () => {
    const { alert, threadId } = await talkingTo(USER.jade)
    memberDms(USER.jade, "thank you, I feel a bit better")
    await waitFor("the member's message", () => relayed(threadId)[0])
    const offered = await edited(alert, "Resolve offered", (m) =>
      JSON.stringify(m.components).includes("Resolve"),
    )
    await discord().clickButton({
      messageId: alert.id,
      customId: customIdOf(offered, "Resolve"),
      userId: USER.crt1,
    }).firstCallback
    await waitFor("the closing DM", () =>
      discord()
        .dmsTo(USER.jade)
        .find((m) => m.content === CLOSING_MESSAGE),
    )
    await waitFor("the thread archived", () =>
      discord()
        .threads()
        .find((t) => t.channel.id === threadId && t.channel.thread_metadata?.archived === true),
    )
    // A CRT message in the closed thread is not sent; the member is not written to.
    const dms = discord().dmsTo(USER.jade).length
    crtSays(threadId, USER.crt2, "one more thing")
    await waitFor("the closed note", () => botSays(threadId, NOT_RELAYED_CLOSED)[0])
    expect(discord().dmsTo(USER.jade)).toHaveLength(dms)
    // Writing again: a new alert ("member wrote to Ash"), at least MEDIUM, with the message in a new thread.
    const again = memberDms(USER.jade, "it's getting worse again tonight", "low")
    const second = await waitFor("a new alert", () =>
      discord()
        .messages(CHANNEL.monitor)
        .find(
          (m) =>
            m.author.id === discord().botUser.id && JSON.stringify(m.embeds).includes("getting worse again"),
        ),
    )
    expect(second.embeds[0]?.fields?.find((f) => f.name === "📍 Channel")?.value).toBe("Direct message")
    await waitFor("its thread", () =>
      relayed(second.id).find((m) => m.embeds[0]?.description === again.content),
    )
    expect(relayed(threadId)).toHaveLength(1)
  })
})

describe("failures", () => {
  it("a restart between the member's DM and the CRT's reply: the relay still works both ways", async () => {
    const { alert, threadId } = await talkingTo(USER.rowan)
    memberDms(USER.rowan, "before the restart")
    await waitFor("the member's message", () => relayed(threadId)[0])
    await file.restartBot()
    crtSays(threadId, USER.crt1, "We're still here.")
    await waitFor("the answer", () =>
      discord()
        .dmsTo(USER.rowan)
        .find((m) => m.content.startsWith("We're still here.")),
    )
    memberDms(USER.rowan, "after the restart")
    await waitFor("the second message", () => relayed(threadId)[1])
    expect(relayed(threadId).map((m) => m.embeds[0]?.description)).toEqual([
      "before the restart",
      "after the restart",
    ])
    const shown = await edited(alert, "the first response", (m) =>
      statusOf(m).includes("First human response"),
    )
    expect(statusOf(shown)).toContain(`<@${USER.crt1}>`)
  })

  it("the member closed their DMs after contact: the failed relay is shown in the thread and does not count", async () => {
    const { alert, threadId } = await talkingTo(USER.bystander)
    discord().setDmsOpen(USER.bystander, false)
    crtSays(threadId, USER.crt2, "Are you okay?")
    const notice = await waitFor(
      "the failure notice",
      () => botSays(threadId, "Not delivered to the member")[0],
    )
    expect(notice.content).toContain("do not accept direct messages")
    await sleep(300)
    expect(statusOf(discord().message(alert.id) ?? alert)).not.toContain("First human response")
  })
})

describe("privacy", () => {
  it("what the member and the CRT wrote is in no log line of the bot", async () => {
    const { threadId } = await talkingTo(USER.member)
    const words = ["my secret words for the privacy check", "a CRT answer for the privacy check"]
    memberDms(USER.member, words[0] ?? "")
    await waitFor("the member's words", () =>
      relayed(threadId).find((m) => m.embeds[0]?.description === words[0]),
    )
    crtSays(threadId, USER.crt1, words[1] ?? "")
    await waitFor("the answer", () =>
      discord()
        .dmsTo(USER.member)
        .find((m) => m.content.startsWith(words[1] ?? "")),
    )
    const lines = file.world.logs.map((l) => l.text)
    expect(lines.some((l) => l.includes("relay opened"))).toBe(true)
    for (const text of words) expect(lines.filter((l) => l.includes(text))).toEqual([])
  })
})
