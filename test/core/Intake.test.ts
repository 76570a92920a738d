import { describe, expect, it } from "@effect/vitest"
import { type IntakeCandidate, intakeVerdict } from "../../src/core/Intake.js"

const rules = { guildId: "1", monitoredChannels: ["10", "11"] }
const message: IntakeCandidate = {
  authorIsBot: false,
  guildId: "1",
  channelId: "10",
  parentChannelId: null,
  content: "I can't do this anymore",
}

describe("intakeVerdict", () => {
  it.each<[string, Partial<IntakeCandidate>, string]>([
    ["a member's text in a monitored channel", {}, "analyse"],
    ["a thread under a monitored channel", { channelId: "99", parentChannelId: "11" }, "analyse"],
    ["a bot's message", { authorIsBot: true }, "bot_author"],
    ["a direct message", { guildId: null }, "not_in_guild"],
    ["another guild", { guildId: "2" }, "other_guild"],
    ["an unmonitored channel", { channelId: "12" }, "channel_not_monitored"],
    ["an empty message", { content: "" }, "no_text"],
    ["an attachment-only message (whitespace)", { content: "  \n " }, "no_text"],
  ])("%s → %s", (_label, overrides, verdict) => {
    expect(intakeVerdict({ ...message, ...overrides }, rules)).toBe(verdict)
  })

  it("with no configured guild every guild passes; with no monitored channels nothing does", () => {
    expect(intakeVerdict({ ...message, guildId: "7" }, { ...rules, guildId: null })).toBe("analyse")
    expect(intakeVerdict(message, { ...rules, monitoredChannels: [] })).toBe("channel_not_monitored")
  })
})
