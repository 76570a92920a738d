import { describe, expect, it } from "vitest"
import { alertFor, buttons, say } from "./helpers.js"
import { CHANNEL, ROLE, USER, worldForFile } from "./world.js"

const file = worldForFile()

describe("alerts on the Discord wire", () => {
  it("a CRITICAL message alerts the critical channel with the seeds' embed, both buttons and a CRT-only ping", async () => {
    const source = say(file.world, "critical", { userId: USER.other, channelId: CHANNEL.general })
    const alert = await alertFor(file.world, CHANNEL.critical, source.id)
    const embed = alert.embeds[0]
    expect(embed?.title).toBe("🚨 CRITICAL ALERT")
    expect(embed?.fields?.map((f) => f.name)).toEqual(
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
    expect(embed?.footer?.text).toMatch(/^Request ID: req_\w+ \| Processing: \d+ms$/)
    expect(buttons(alert)).toEqual(["Talk to Ash", "Acknowledge"])
    expect(alert.content).toBe(`<@&${ROLE.crt}>`)
    expect(alert.mention_roles).toEqual([ROLE.crt])
  })

  it("MEDIUM goes to the monitor channel without a ping and with Acknowledge only; LOW and SAFE do not alert", async () => {
    say(file.world, "low", { userId: USER.bystander, channelId: CHANNEL.general })
    say(file.world, "safe", { userId: USER.bystander, channelId: CHANNEL.general })
    const medium = say(file.world, "medium", { userId: USER.bystander, channelId: CHANNEL.general })
    const alert = await alertFor(file.world, CHANNEL.monitor, medium.id)
    expect(alert.embeds[0]?.title).toBe("⚠️ Monitor Alert")
    expect(alert.content).toBe("")
    expect(alert.mention_roles).toEqual([])
    expect(buttons(alert)).toEqual(["Acknowledge"])
    const bystanderAlerts = [CHANNEL.monitor, CHANNEL.crisis, CHANNEL.critical].flatMap((c) =>
      file.world.discord
        .messages(c)
        .filter((m) => m.embeds[0]?.fields?.some((f) => f.value.includes(USER.bystander))),
    )
    expect(bystanderAlerts).toHaveLength(1)
  })

  it("sends no NLP request for a bot, an unmonitored channel, or an empty or attachment-only message", async () => {
    const before = file.world.nlp.requests.length
    file.world.script("a bot says it", () => file.world.nlp.replyFor("critical"))
    file.world.discord.memberSays({
      channelId: CHANNEL.general,
      userId: USER.otherBot,
      content: "a bot says it",
    })
    file.world.discord.memberSays({
      channelId: CHANNEL.offTopic,
      userId: USER.other,
      content: "not watched here",
    })
    file.world.discord.memberSays({
      channelId: CHANNEL.general,
      userId: USER.other,
      content: "",
      attachments: [{ filename: "a.png" }],
    })
    file.world.discord.memberSays({ channelId: CHANNEL.general, userId: USER.other, content: "   " })
    const control = say(file.world, "safe", { userId: USER.other, channelId: CHANNEL.general })
    await expect.poll(() => file.world.nlp.requests.some((r) => r.message === control.content)).toBe(true)
    expect(file.world.nlp.requests.slice(before).map((r) => r.message)).toEqual([control.content])
  })

  it("@everyone and <@id> in the member's text ping nobody", async () => {
    const text = `@everyone @here <@${USER.crt2}> please help`
    const source = say(file.world, "high", { userId: USER.member, channelId: CHANNEL.vent, text })
    const alert = await alertFor(file.world, CHANNEL.crisis, source.id)
    expect(alert.mention_everyone).toBe(false)
    expect(alert.mentions).toEqual([])
    expect(alert.mention_roles).toEqual([ROLE.crt])
  })
})
