/**
 * Replies from an NLP that is not exactly ours: a verdict is never thrown away because a block the
 * bot barely uses has another shape, and a reply that is no verdict at all is kept for later.
 */
import { describe, expect, it } from "vitest"
import { alertFor } from "./helpers.js"
import { CHANNEL, USER, worldForFile } from "./world.js"

const file = worldForFile()

const botNotices = (text: string) =>
  file.world.discord
    .messages(CHANNEL.monitor)
    .filter((m) => m.author.id === file.world.discord.botUser.id && m.content.includes(text))

describe("an NLP of another version", () => {
  it("a context block of another shape, unknown fields, no explanation and no processing time: the alert is posted, with one WARN", async () => {
    const text = "I can't keep going like this"
    const { explanation: _, processing_time_ms: __, ...reply } = file.world.nlp.replyFor("high")
    file.world.script(text, () => ({
      ...reply,
      request_id: "req_0a1b2c3d4e5f",
      model_version: "5.9.0",
      vigil: { status: "used", risk_score: 0.72 },
      context_analysis: { escalation_detected: false, trend: "stable", history_analyzed: "n/a" },
    }))
    const source = file.world.discord.memberSays({
      channelId: CHANNEL.general,
      userId: USER.member,
      content: text,
    })
    const alert = await alertFor(file.world, CHANNEL.crisis, source.id)
    expect(alert.embeds[0]?.footer?.text).toContain("req_0a1b2c3d4e5f")
    const warnings = file.world.logs.filter((l) => l.level === "WARN" && l.text.includes("req_0a1b2c3d4e5f"))
    expect(warnings.map((l) => l.text)).toEqual([
      expect.stringContaining("ignored unreadable context_analysis.history_analyzed"),
    ])
  })
})

describe("replies that are no verdict", () => {
  it("a CRITICAL message answered with unreadable JSON for 10 s: the CRT is told why, and the alert follows the recovery", async () => {
    const text = "I have the pills in my hand"
    let readableFrom = Number.POSITIVE_INFINITY
    file.world.script(text, () =>
      Date.now() >= readableFrom
        ? file.world.nlp.replyFor("critical")
        : { fault: "malformed", body: '{"severity": "critical", "crisis_score": 0.93, "confid' },
    )
    const startedAt = Date.now()
    readableFrom = startedAt + 10_000
    const source = file.world.discord.memberSays({
      channelId: CHANNEL.vent,
      userId: USER.other,
      content: text,
    })
    const notice = await file.world.discord.waitForMessage(
      CHANNEL.monitor,
      (m) => m.content.includes("Crisis detection degraded"),
      10_000,
    )
    expect(notice.content).toContain("the NLP answers in a form the bot cannot read")
    expect(Date.now()).toBeLessThan(readableFrom)
    const alert = await alertFor(file.world, CHANNEL.critical, source.id, 30_000)
    expect(Date.parse(alert.timestamp)).toBeGreaterThanOrEqual(readableFrom)
    expect(botNotices("Crisis detection degraded")).toHaveLength(1)
    await file.world.discord.waitForMessage(CHANNEL.monitor, (m) =>
      m.content.includes("Crisis detection restored"),
    )
    const alerts = file.world.discord
      .messages(CHANNEL.critical)
      .filter((m) => JSON.stringify(m.embeds).includes(`/${source.id})`))
    expect(alerts).toHaveLength(1)
  }, 60_000)
})
