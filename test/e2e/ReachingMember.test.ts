/**
 * Reaching the member on the Discord wire: Talk to Ash (DM, else a private thread), automatic
 * contact, first human response, and the member's opt-out — the real discord.js client, the
 * loopback emulator, a real Redis.
 */
import { type APIMessage, ChannelType } from "discord-api-types/v10"
import { describe, expect, it } from "vitest"
import { alertFor, buttons, customIdOf, ephemeralText, say, statusOf, waitFor } from "./helpers.js"
import { CHANNEL, ROLE, USER, worldForFile } from "./world.js"

// HIGH alerts reach out on their own after 3 s; CRITICAL ones only when a CRT member asks. No
// cooldown: the few members of the test guild raise several alerts each.
const OVERRIDES = {
  BOT_AUTO_INITIATE_DELAY_MINUTES_HIGH: "0.05",
  BOT_AUTO_INITIATE_DELAY_MINUTES_CRITICAL: "off",
  BOT_ALERT_COOLDOWN: "0",
}
const file = worldForFile(OVERRIDES)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const click = (messageId: string, customId: string, userId: string) =>
  file.world.discord.clickButton({ messageId, customId, userId })

const firstDm = (userId: string, timeoutMs = 5_000) =>
  waitFor(`a DM to ${userId}`, () => file.world.discord.dmsTo(userId)[0], timeoutMs)

const edited = (alert: APIMessage, what: string, test: (status: string) => boolean) =>
  file.world.discord
    .waitForEdit(alert.id, (m) => test(statusOf(m)), 5_000)
    .catch(() => {
      throw new Error(
        `the alert never showed ${what}: ${statusOf(file.world.discord.message(alert.id) ?? alert)}`,
      )
    })

describe("Talk to Ash", () => {
  it("DMs the member a welcome with an opt-out button; the alert shows who started it and how", async () => {
    const source = say(file.world, "critical", { userId: USER.quinn, channelId: CHANNEL.general })
    const alert = await alertFor(file.world, CHANNEL.critical, source.id)
    await click(alert.id, customIdOf(alert, "Talk to Ash"), USER.crt2).firstCallback
    const dm = await firstDm(USER.quinn)
    expect(dm.content).toContain(`<@${USER.quinn}>`)
    expect(dm.embeds[0]?.description).toContain("988")
    expect(buttons(dm)).toEqual(["I'd rather talk to a person"])
    expect(file.world.discord.allowedMentions(dm.id)).toMatchObject({
      parse: [],
      roles: [],
      users: [USER.quinn],
    })
    const shown = await edited(alert, "the contact", (s) => s.includes("Ash reached out"))
    expect(statusOf(shown)).toContain(`💬 Ash reached out for <@${USER.crt2}> after`)
    expect(statusOf(shown)).toContain(", by DM")
  })

  it("DMs closed: a private thread in the support channel with the member, the presser and the CRT; a CRT message there is the first response", async () => {
    file.world.discord.setDmsOpen(USER.jade, false)
    const source = say(file.world, "critical", { userId: USER.jade, channelId: CHANNEL.vent })
    const alert = await alertFor(file.world, CHANNEL.critical, source.id)
    await click(alert.id, customIdOf(alert, "Talk to Ash"), USER.crt1).firstCallback
    const shown = await edited(alert, "the thread", (s) => s.includes("private thread"))
    const thread = file.world.discord.threads().find((t) => statusOf(shown).includes(`<#${t.channel.id}>`))
    expect(thread?.channel.type).toBe(ChannelType.PrivateThread)
    expect(thread?.channel.parent_id).toBe(CHANNEL.support)
    // The member and the presser were added; the rest of the CRT sees it by managing threads.
    expect(thread?.memberIds).toEqual(expect.arrayContaining([USER.jade, USER.crt1]))
    expect(thread?.memberIds).not.toContain(USER.crt2)
    expect(() =>
      file.world.discord.memberSays({
        channelId: thread?.channel.id ?? "",
        userId: USER.bystander,
        content: "hi",
      }),
    ).toThrow(/cannot see the private thread/)
    const threadId = thread?.channel.id ?? ""
    const [welcome, note] = file.world.discord.messages(threadId)
    expect(welcome?.content).toContain(`<@${USER.jade}>`)
    expect(welcome === undefined ? [] : buttons(welcome)).toEqual(["I'd rather talk to a person"])
    expect(note?.mention_roles).toEqual([ROLE.crt])
    expect(file.world.discord.dmsTo(USER.jade)).toEqual([])
    // The member's own message does not count; crt2's (not added, but managing threads) does.
    file.world.discord.memberSays({ channelId: threadId, userId: USER.jade, content: "hi" })
    file.world.discord.memberSays({ channelId: threadId, userId: USER.crt2, content: "Hi Jade, I'm Sam." })
    const answered = await edited(alert, "the first response", (s) => s.includes("First human response"))
    expect(statusOf(answered)).toContain(`First human response by <@${USER.crt2}>`)
  })

  it("DM and thread both refused: the alert says so, the CRT is re-pinged once, and Talk to Ash works again", async () => {
    file.world.discord.setDmsOpen(USER.rowan, false)
    const source = say(file.world, "critical", { userId: USER.rowan, channelId: CHANNEL.general })
    const alert = await alertFor(file.world, CHANNEL.critical, source.id)
    file.world.discord.failNext({
      method: "POST",
      route: `/channels/${CHANNEL.support}/threads`,
      status: 403,
      code: 50001,
    })
    await click(alert.id, customIdOf(alert, "Talk to Ash"), USER.crt1).firstCallback
    const failed = await edited(alert, "the failure", (s) => s.includes("could not reach"))
    expect(statusOf(failed)).toContain("⚠️ Ash could not reach the member")
    expect(buttons(failed)).toContain("Talk to Ash")
    const pings = () =>
      file.world.discord
        .messages(CHANNEL.critical)
        .filter((m) => m.message_reference?.message_id === alert.id)
    await waitFor("the CRT re-pinged", () => pings()[0])
    expect(pings()[0]?.mention_roles).toEqual([ROLE.crt])
    await click(alert.id, customIdOf(failed, "Talk to Ash"), USER.crt2).firstCallback
    const reached = await edited(alert, "the contact", (s) => s.includes("Ash reached out"))
    expect(statusOf(reached)).toContain("in a private thread")
    expect(pings()).toHaveLength(1)
  })
})

describe("automatic contact", () => {
  it("reaches a HIGH alert's member at the configured delay (3 s, within a second); acknowledging first prevents it", async () => {
    const source = say(file.world, "high", { userId: USER.member, channelId: CHANNEL.general })
    const acked = say(file.world, "high", { userId: USER.other, channelId: CHANNEL.general })
    const alert = await alertFor(file.world, CHANNEL.crisis, source.id)
    const ackedAlert = await alertFor(file.world, CHANNEL.crisis, acked.id)
    await click(ackedAlert.id, customIdOf(ackedAlert, "Acknowledge"), USER.crt1).firstCallback
    const dm = await firstDm(USER.member, 8_000)
    const lag = Date.parse(dm.timestamp) - Date.parse(alert.timestamp)
    expect(lag).toBeGreaterThanOrEqual(3_000)
    expect(lag).toBeLessThanOrEqual(4_000)
    expect(dm.content).toContain("no person wrote it")
    const shown = await edited(alert, "the contact", (s) => s.includes("automatically"))
    expect(statusOf(shown)).toContain("🤖 Ash reached out automatically")
    // Acknowledge still works after the automatic contact.
    await click(alert.id, customIdOf(shown, "Acknowledge"), USER.crt2).firstCallback
    await edited(alert, "the acknowledgement", (s) => s.includes("Acknowledged"))
    await sleep(1_000)
    expect(file.world.discord.dmsTo(USER.other)).toEqual([])
  })

  it("two bot processes on one Redis: exactly one DM", async () => {
    // The second process watches no channel (the intake is not sharded); both poll the timers.
    const second = await file.world.startBot({ ...OVERRIDES, BOT_MONITORED_CHANNELS: "[]" })
    try {
      const before = file.world.discord.dmsTo(USER.member).length
      const source = say(file.world, "high", { userId: USER.member, channelId: CHANNEL.general })
      await alertFor(file.world, CHANNEL.crisis, source.id)
      await waitFor("a new DM", () => file.world.discord.dmsTo(USER.member)[before], 8_000)
      await sleep(1_500)
      expect(file.world.discord.dmsTo(USER.member)).toHaveLength(before + 1)
    } finally {
      await second.stop()
    }
  })

  it("a bot stopped across the due time sends it once on start-up", async () => {
    const source = say(file.world, "high", { userId: USER.bystander, channelId: CHANNEL.vent })
    await alertFor(file.world, CHANNEL.crisis, source.id)
    await file.restartBot(4_000)
    await firstDm(USER.bystander, 5_000)
    await sleep(1_000)
    expect(file.world.discord.dmsTo(USER.bystander)).toHaveLength(1)
  })
})

describe("first human response in the source channel", () => {
  it("a CRT reply to the member counts once; a non-CRT reply and a bot's never; a mention counts too", async () => {
    const first = say(file.world, "medium", { userId: USER.quinn, channelId: CHANNEL.vent })
    const alert = await alertFor(file.world, CHANNEL.monitor, first.id)
    const { discord } = file.world
    discord.memberSays({
      channelId: CHANNEL.vent,
      userId: USER.bystander,
      content: "you ok?",
      messageReference: first.id,
    })
    discord.memberSays({
      channelId: CHANNEL.vent,
      userId: USER.otherBot,
      content: "beep",
      messageReference: first.id,
    })
    await sleep(500)
    expect(statusOf(discord.message(alert.id) ?? alert)).not.toContain("First human response")
    discord.memberSays({
      channelId: CHANNEL.vent,
      userId: USER.crt1,
      content: "I hear you",
      messageReference: first.id,
    })
    const answered = await edited(alert, "the first response", (s) => s.includes("First human response"))
    expect(statusOf(answered)).toContain(`First human response by <@${USER.crt1}>`)
    discord.memberSays({
      channelId: CHANNEL.vent,
      userId: USER.crt2,
      content: "me too",
      messageReference: first.id,
    })
    await sleep(500)
    expect(statusOf(discord.message(alert.id) ?? alert)).toContain(`<@${USER.crt1}>`)
    expect(statusOf(discord.message(alert.id) ?? alert)).not.toContain(`by <@${USER.crt2}>`)

    const second = say(file.world, "medium", { userId: USER.rowan, channelId: CHANNEL.general })
    const other = await alertFor(file.world, CHANNEL.monitor, second.id)
    discord.memberSays({
      channelId: CHANNEL.general,
      userId: USER.crt2,
      content: `<@${USER.rowan}> want to talk?`,
    })
    const mentioned = await edited(other, "the first response", (s) => s.includes("First human response"))
    expect(statusOf(mentioned)).toContain(`First human response by <@${USER.crt2}>`)
  })
})

describe("opt-out", () => {
  it("the member's button, after a restart: confirmed to them, shown on the alert; Ash never contacts them again", async () => {
    const source = say(file.world, "critical", { userId: USER.other, channelId: CHANNEL.general })
    const alert = await alertFor(file.world, CHANNEL.critical, source.id)
    await click(alert.id, customIdOf(alert, "Talk to Ash"), USER.crt1).firstCallback
    const dm = await firstDm(USER.other)
    // The button works after a restart: it carries all it needs.
    await file.restartBot()
    const pressed = click(dm.id, customIdOf(dm, "I'd rather talk to a person"), USER.other)
    expect(await ephemeralText(pressed)).toContain("Ash will not message you again")
    const shown = await edited(alert, "the opt-out", (s) => s.includes("prefers human support"))
    expect(statusOf(shown)).toContain("👤 The member prefers human support")
    const later = say(file.world, "high", { userId: USER.other, channelId: CHANNEL.vent })
    const laterAlert = await alertFor(file.world, CHANNEL.crisis, later.id)
    expect(buttons(laterAlert)).not.toContain("Talk to Ash")
    await sleep(4_500)
    expect(file.world.discord.dmsTo(USER.other)).toHaveLength(1)
  })

  it("a forged opt-out button is refused: for no alert, or pressed by someone else than the member", async () => {
    const source = say(file.world, "critical", { userId: USER.quinn, channelId: CHANNEL.vent })
    const alert = await alertFor(file.world, CHANNEL.critical, source.id)
    const alertId = customIdOf(alert, "Acknowledge").split(":")[3] ?? ""
    const forge = (customId: string, userId: string) =>
      file.world.discord.clickButton({ messageId: alert.id, customId, userId, unchecked: true })
    expect(await ephemeralText(forge("ash:v1:optout:alert_000000000000", USER.bystander))).toContain(
      "expired",
    )
    expect(await ephemeralText(forge(`ash:v1:optout:${alertId}`, USER.bystander))).toContain(
      "for the person Ash wrote to",
    )
    await sleep(300)
    expect(statusOf(file.world.discord.message(alert.id) ?? alert)).not.toContain("prefers human support")
  })

  it("/ash optout is a guild command for the CRT only; an opted-out member is never DMed; clear restores it", async () => {
    const { discord } = file.world
    expect(discord.registeredCommands.map((c) => [c.guildId, c.command.name])).toContainEqual([
      expect.any(String),
      "ash",
    ])
    const run = (userId: string, options: Record<string, string | boolean>) =>
      discord.runSlashCommand({
        name: "ash",
        subcommand: "optout",
        userId,
        channelId: CHANNEL.crisis,
        options,
      })
    expect(await ephemeralText(run(USER.bystander, { member: USER.rowan }))).toContain(
      "Only members of the Crisis Response Team",
    )
    expect(await ephemeralText(run(USER.crt1, { member: USER.rowan }))).toContain("prefers human support")
    discord.setDmsOpen(USER.rowan, true)
    const optedOut = say(file.world, "high", { userId: USER.rowan, channelId: CHANNEL.vent })
    await alertFor(file.world, CHANNEL.crisis, optedOut.id)
    await sleep(4_500)
    expect(discord.dmsTo(USER.rowan)).toEqual([])
    expect(await ephemeralText(run(USER.crt2, { member: USER.rowan, clear: true }))).toContain(
      "may reach out",
    )
  })
})
