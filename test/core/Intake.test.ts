import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { type IntakeCandidate, IntakeMessage, intakeVerdict } from "../../src/core/Intake.js"

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

describe("a member's message as kept", () => {
  const kept = {
    guildId: "1",
    channelId: "2",
    messageId: "3",
    authorId: "4",
    authorName: "River",
    content: "I can't",
    sentAt: 1_760_000_000_000,
  }
  const decode = Schema.decodeUnknownEither(Schema.parseJson(IntakeMessage))

  it("reads back as it was kept", () => {
    expect(decode(JSON.stringify(kept))).toEqual(Either.right(kept))
  })

  it("is refused without its author or time", () => {
    const { authorId: _, ...noAuthor } = kept
    expect(Either.isLeft(decode(JSON.stringify(noAuthor)))).toBe(true)
    expect(Either.isLeft(decode(JSON.stringify({ ...kept, sentAt: "yesterday" })))).toBe(true)
  })
})
