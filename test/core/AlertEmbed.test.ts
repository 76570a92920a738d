import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import type { Alert } from "../../src/core/Alert.js"
import {
  type AlertMessageInput,
  buttonsFor,
  embedViolations,
  renderAlertMessage,
  renderAlertUpdate,
  STATUS_FIELD_NAME,
  statusLines,
} from "../../src/core/AlertEmbed.js"
import { decodeCustomId } from "../../src/core/CustomId.js"
import { type LifecycleEvent, transition } from "../../src/core/Lifecycle.js"
import { ZWSP } from "../../src/core/Markdown.js"
import { actor } from "../../src/core/milestones/Declaration.js"
import { created, T0 } from "../support/alerts.js"

const input = (overrides: Partial<AlertMessageInput> = {}): AlertMessageInput => ({
  analysis: {
    confidence: 0.87,
    recommendedAction: "immediate_outreach",
    keyFactors: ["hopelessness", "isolation"],
    requestId: "req-42",
    processingTimeMs: 183.4,
  },
  member: { displayName: "River", avatarUrl: "https://cdn.discordapp.com/avatars/200/abc.png" },
  text: "I can't do this anymore",
  crtRoleIds: ["900", "901"],
  ...overrides,
})

/** Apply events one second apart unless a time is given; a refusal fails the test. */
const apply = (alert: Alert, ...events: ReadonlyArray<readonly [LifecycleEvent, number]>): Alert =>
  events.reduce((a, [event, at]) => {
    const result = transition(a, event, at)
    if (Either.isLeft(result)) throw new Error(`rejected ${event._tag}: ${result.left._tag}`)
    return result.right.alert
  }, alert)

const embedOf = (msg: { embeds: readonly [{ fields: ReadonlyArray<{ name: string; value: string }> }] }) =>
  msg.embeds[0]
const fieldValue = (alert: Alert, name: string, i = input()): string | undefined =>
  embedOf(renderAlertMessage(i, alert)).fields.find((f) => f.name === name)?.value

describe("renderAlertMessage: the seeds' styling", () => {
  const cases = [
    { severity: "medium", title: "⚠️ Monitor Alert", color: 0xf1c40f, escalated: 0xc27c0e },
    { severity: "high", title: "🔶 Crisis Alert", color: 0xe67e22, escalated: 0xa84300 },
    { severity: "critical", title: "🚨 CRITICAL ALERT", color: 0xe74c3c, escalated: 0x992d22 },
  ] as const
  for (const c of cases) {
    it(`${c.severity}: ${c.title}`, () => {
      const [embed] = renderAlertMessage(input(), created({ severity: c.severity })).embeds
      expect(embed.title).toBe(c.title)
      expect(embed.color).toBe(c.color)
      const [escalated] = renderAlertMessage(
        input(),
        created({ severity: c.severity, escalated: true }),
      ).embeds
      expect(escalated.color).toBe(c.escalated)
    })
  }

  it("lays the fields out in the seeds' order with their values", () => {
    const msg = renderAlertMessage(input(), created({ severity: "high", crisisScore: 0.781 }))
    const [embed] = msg.embeds
    expect(embed.author).toEqual({ name: "River", iconUrl: "https://cdn.discordapp.com/avatars/200/abc.png" })
    expect(embed.fields).toEqual([
      { name: "📝 Message", value: "```\nI can't do this anymore\n```", inline: false },
      { name: "📊 Crisis Score", value: "`0.78`", inline: true },
      { name: "🎯 Confidence", value: "`87.0%`", inline: true },
      { name: "⚡ Severity", value: "`HIGH`", inline: true },
      { name: "📋 Recommended Action", value: "Immediate Outreach", inline: false },
      { name: "🔍 Key Factors", value: "• hopelessness\n• isolation", inline: false },
      {
        name: "🔗 Original Message",
        value: "[Jump to message](https://discord.com/channels/100/300/400)",
        inline: false,
      },
      { name: "📍 Channel", value: "<#300>", inline: true },
      { name: "👤 User ID", value: "`200`", inline: true },
    ])
    expect(embed.footer).toEqual({ text: "Request ID: req-42 | Processing: 183ms" })
    expect(embed.timestamp).toBe(new Date(T0).toISOString())
  })

  it("leaves out Recommended Action and Key Factors when the NLP gave none", () => {
    const bare = input({
      analysis: {
        confidence: 0.5,
        keyFactors: [" "],
        requestId: "r",
        processingTimeMs: 1,
        recommendedAction: "",
      },
    })
    const names = embedOf(renderAlertMessage(bare, created())).fields.map((f) => f.name)
    expect(names).not.toContain("📋 Recommended Action")
    expect(names).not.toContain("🔍 Key Factors")
  })

  it("says nothing of the processing time when the NLP did not give it", () => {
    const untimed = input({ analysis: { ...input().analysis, processingTimeMs: null } })
    expect(renderAlertMessage(untimed, created()).embeds[0].footer).toEqual({ text: "Request ID: req-42" })
  })

  it("shows a figure the NLP sent as no number as n/a, never NaN", () => {
    const odd = input({ analysis: { ...input().analysis, confidence: Number.NaN } })
    expect(fieldValue(created(), "🎯 Confidence", odd)).toBe("`n/a`")
    expect(fieldValue(created({ crisisScore: Number.NaN }), "📊 Crisis Score")).toBe("`n/a`")
  })

  it("shows at most 5 key factors", () => {
    const many = input({ analysis: { ...input().analysis, keyFactors: ["a", "b", "c", "d", "e", "f", "g"] } })
    expect(fieldValue(created(), "🔍 Key Factors", many)).toBe("• a\n• b\n• c\n• d\n• e")
  })

  it("cuts the preview at 500 code points plus '...', never inside a surrogate pair", () => {
    expect(fieldValue(created(), "📝 Message", input({ text: "a".repeat(501) }))).toBe(
      `\`\`\`\n${"a".repeat(500)}...\n\`\`\``,
    )
    expect(fieldValue(created(), "📝 Message", input({ text: "a".repeat(500) }))).toBe(
      `\`\`\`\n${"a".repeat(500)}\n\`\`\``,
    )
    expect(fieldValue(created(), "📝 Message", input({ text: "😀".repeat(600) }))).toBe(
      `\`\`\`\n${"😀".repeat(500)}...\n\`\`\``,
    )
  })

  it("shows [No text content] for an empty or blank message", () => {
    for (const text of ["", "  \n "]) {
      expect(fieldValue(created(), "📝 Message", input({ text }))).toBe("```\n[No text content]\n```")
    }
  })

  it("keeps backticks from closing the code block", () => {
    const value = fieldValue(created(), "📝 Message", input({ text: "```\n@everyone **bold** ``` `" }))
    expect(value?.split("```").length).toBe(3)
    expect(value?.startsWith("```\n")).toBe(true)
    expect(value?.endsWith("\n```")).toBe(true)
  })

  it("escapes markdown and mentions in NLP strings and the display name", () => {
    const hostile = input({
      member: { displayName: "@everyone <@123>" },
      analysis: {
        ...input().analysis,
        recommendedAction: "call_@here",
        keyFactors: ["**bold** [link](https://x.y)", "<@&999>\n• forged line"],
        requestId: "<@123>",
      },
    })
    const [embed] = renderAlertMessage(hostile, created()).embeds
    expect(embed.author?.name).toBe(`@${ZWSP}everyone <${ZWSP}@${ZWSP}123>`)
    expect(embed.author?.iconUrl).toBeUndefined()
    const factors = embed.fields.find((f) => f.name === "🔍 Key Factors")?.value
    expect(factors).toBe(
      `• \\*\\*bold\\*\\* \\[link\\]\\(https://x.y\\)\n• <${ZWSP}@${ZWSP}&999\\> • forged line`,
    )
    expect(embed.fields.find((f) => f.name === "📋 Recommended Action")?.value).toBe(`Call @${ZWSP}here`)
    expect(embed.footer?.text).toBe(`Request ID: <${ZWSP}@${ZWSP}123> | Processing: 183ms`)
  })
})

describe("renderAlertMessage: ping and mentions", () => {
  it("pings every CRT role for HIGH and CRITICAL, and allows exactly those", () => {
    for (const severity of ["high", "critical"] as const) {
      const msg = renderAlertMessage(input(), created({ severity }))
      expect(msg.content).toBe("<@&900> <@&901>")
      expect(msg.allowedMentions).toEqual({ parse: [], roles: ["900", "901"], users: [], repliedUser: false })
    }
  })

  it("never pings for MEDIUM, escalated or not", () => {
    for (const escalated of [false, true]) {
      const msg = renderAlertMessage(input(), created({ severity: "medium", escalated }))
      expect(msg.content).toBeNull()
      expect(msg.allowedMentions).toEqual({ parse: [], roles: [], users: [], repliedUser: false })
    }
  })

  it("has no content when no CRT role is configured", () => {
    const msg = renderAlertMessage(input({ crtRoleIds: [] }), created({ severity: "critical" }))
    expect(msg.content).toBeNull()
    expect(msg.allowedMentions.roles).toEqual([])
  })

  it("marks an escalation in the content and as the first field", () => {
    const escalating = input({
      analysis: { ...input().analysis, escalation: { trend: "escalating", messageCount: 4 } },
    })
    const msg = renderAlertMessage(escalating, created({ severity: "high", escalated: true }))
    expect(msg.content).toBe("📈 **ESCALATION** <@&900> <@&901>")
    expect(msg.embeds[0].fields[0]).toEqual({
      name: "📈 ESCALATION DETECTED",
      value: "Pattern: **Escalating** over 4 messages",
      inline: false,
    })
  })
})

describe("renderAlertMessage: buttons and status", () => {
  const ack: LifecycleEvent = { _tag: "Acknowledge", by: "501" }

  it("carries decodable custom ids for this alert", () => {
    const alert = created()
    const rendered = renderAlertMessage(input(), alert).components.flatMap((row) => row.components)
    const offered = buttonsFor(alert)
    expect(rendered.map((b) => [b.label, b.emoji.name])).toEqual(offered.map((b) => [b.label, b.emoji]))
    // Discord's style codes: primary (blurple) 1, secondary 2, success (green) 3.
    expect(rendered.find((b) => b.label === "Talk to Ash")?.style).toBe(1)
    expect(rendered.find((b) => b.label === "Acknowledge")?.style).toBe(3)
    rendered.forEach((b, i) => {
      const decoded = decodeCustomId(b.customId)
      expect(Either.isRight(decoded) && decoded.right).toEqual({
        action: offered[i]?.action,
        alertId: alert.id,
      })
    })
  })

  it("turns green and states who acknowledged and how fast", () => {
    const alert = apply(created(), [ack, T0 + 80_000])
    const msg = renderAlertMessage(input(), alert)
    expect(msg.embeds[0].color).toBe(0x2ecc71)
    expect(fieldValue(alert, STATUS_FIELD_NAME)).toBe("✅ Acknowledged by <@501> after 1m 20s")
  })

  it("tells automatic contact, self-reported response, repeats and resolution apart; grey and no buttons once closed", () => {
    const alert = apply(
      created(),
      [{ _tag: "AutoContactDue" }, T0 + 180_000],
      [{ _tag: "AshContactMade", via: "thread", threadId: "1400000000000000001" }, T0 + 181_000],
      [{ _tag: "RepeatSuppressed" }, T0 + 200_000],
      [{ _tag: "RepeatSuppressed" }, T0 + 210_000],
      [{ _tag: "FirstResponse", by: "502", detection: "self_reported" }, T0 + 360_000],
      [{ _tag: "Resolve", by: "503" }, T0 + 3_600_000 + 23 * 60_000],
    )
    const msg = renderAlertMessage(input(), alert)
    expect(msg.embeds[0].color).toBe(0x95a5a6)
    expect(msg.components).toEqual([])
    expect(fieldValue(alert, STATUS_FIELD_NAME)?.split("\n")).toEqual([
      "🤖 Ash reached out automatically after 3m 1s, in a private thread: <#1400000000000000001>",
      "💬 First human response by <@502> after 6m (self-reported)",
      "🔁 2 more flagged messages since",
      "🔒 Resolved by <@503> after 1h 23m",
    ])
  })

  it("shows a manual contact, an opt-out, a failed contact and an unanswered expiry", () => {
    const contacted = apply(
      created(),
      [{ _tag: "RequestAshContact", by: "504" }, T0 + 40_000],
      [{ _tag: "AshContactMade", via: "dm", threadId: null }, T0 + 45_000],
    )
    expect(fieldValue(contacted, STATUS_FIELD_NAME)).toBe("💬 Ash reached out for <@504> after 45s, by DM")
    // A thread contact recorded before threads were linked has no thread to link.
    const inThread = apply(
      created(),
      [{ _tag: "RequestAshContact", by: "504" }, T0 + 40_000],
      [{ _tag: "AshContactMade", via: "thread", threadId: null }, T0 + 45_000],
    )
    expect(fieldValue(inThread, STATUS_FIELD_NAME)).toBe(
      "💬 Ash reached out for <@504> after 45s, in a private thread",
    )
    const failed = apply(
      created(),
      [{ _tag: "RequestAshContact", by: "504" }, T0 + 40_000],
      [{ _tag: "AshContactFailed", reason: "dms closed" }, T0 + 45_000],
      [{ _tag: "MemberOptedOut" }, T0 + 50_000],
      [{ _tag: "RepeatSuppressed" }, T0 + 60_000],
      [{ _tag: "Expire" }, T0 + 86_400_000],
    )
    expect(fieldValue(failed, STATUS_FIELD_NAME)?.split("\n")).toEqual([
      "⚠️ Ash could not reach the member",
      "👤 The member prefers human support — please reach out personally",
      "🔁 1 more flagged message since",
      "⌛ Expired after 1d — unanswered",
    ])
  })

  it("updates a posted alert in place: new status, colour and buttons, other fields kept, no ping", () => {
    const posted = renderAlertMessage(input(), created()).embeds[0]
    const alert = apply(created(), [ack, T0 + 80_000])
    const edit = renderAlertUpdate(posted, alert)
    expect(edit.allowedMentions.roles).toEqual([])
    expect(edit.embeds[0].color).toBe(0x2ecc71)
    expect(edit.embeds[0].fields.slice(0, -1)).toEqual(posted.fields)
    expect(edit.embeds[0].fields.at(-1)?.value).toBe("✅ Acknowledged by <@501> after 1m 20s")
    const again = renderAlertUpdate(
      edit.embeds[0],
      apply(alert, [{ _tag: "Resolve", by: "501" }, T0 + 90_000]),
    )
    expect(again.embeds[0].fields.filter((f) => f.name === STATUS_FIELD_NAME)).toHaveLength(1)
    expect(again.components).toEqual([])
    expect(embedViolations(again)).toEqual([])
  })
})

describe("renderAlertMessage: worst case", () => {
  it("keeps every field even when every input is as long and as escape-heavy as it can be", () => {
    const worst = input({
      text: "`".repeat(10_000),
      member: { displayName: "<".repeat(10_000) },
      analysis: {
        confidence: 1,
        recommendedAction: "*".repeat(10_000),
        keyFactors: Array.from({ length: 10 }, () => "<".repeat(10_000)),
        requestId: "@".repeat(10_000),
        processingTimeMs: 1e300,
        escalation: { trend: "_".repeat(10_000), messageCount: 1e300 },
      },
    })
    const alert = apply(
      created({ escalated: true }),
      [{ _tag: "Acknowledge", by: "<".repeat(500) }, T0 + 1_000],
      [{ _tag: "RequestAshContact", by: "12345678901234567890" }, T0 + 2_000],
      [{ _tag: "AshContactMade", via: "thread", threadId: "1400000000000000001" }, T0 + 3_000],
      [{ _tag: "MemberOptedOut" }, T0 + 4_000],
      [{ _tag: "FirstResponse", by: "12345678901234567890", detection: "self_reported" }, T0 + 5_000],
      [{ _tag: "RepeatSuppressed" }, T0 + 6_000],
      [{ _tag: "Resolve", by: "12345678901234567890" }, T0 + 9_000_000_000],
    )
    const msg = renderAlertMessage(worst, alert)
    expect(embedViolations(msg)).toEqual([])
    expect(msg.embeds[0].fields.map((f) => f.name)).toEqual([
      "📈 ESCALATION DETECTED",
      "📝 Message",
      "📊 Crisis Score",
      "🎯 Confidence",
      "⚡ Severity",
      "📋 Recommended Action",
      "🔍 Key Factors",
      "🔗 Original Message",
      "📍 Channel",
      "👤 User ID",
      STATUS_FIELD_NAME,
    ])
    expect(msg.embeds[0].fields.find((f) => f.name === "🔍 Key Factors")?.value.split("\n")).toHaveLength(5)
  })
})

describe("renderAlertMessage: colour, status and buttons by milestone", () => {
  const colorOf = (alert: Alert) => renderAlertMessage(input(), alert).embeds[0].color
  const request: readonly [LifecycleEvent, number] = [{ _tag: "RequestAshContact", by: "501" }, T0 + 1_000]
  const made: readonly [LifecycleEvent, number] = [
    { _tag: "AshContactMade", via: "dm", threadId: null },
    T0 + 2_000,
  ]

  it("turns green once a person has taken the alert on, not when only Ash reached the member", () => {
    expect(colorOf(apply(created(), request, made))).toBe(0xe67e22)
    const answered = apply(created(), [
      { _tag: "FirstResponse", by: "503", detection: "thread_message" },
      T0 + 3_000,
    ])
    expect(colorOf(answered)).toBe(0x2ecc71)
    expect(statusLines(answered)).toEqual(["💬 First human response by <@503> after 3s"])
  })

  it("shows an expiry after a human response without 'unanswered'", () => {
    const expired = apply(
      created(),
      [{ _tag: "FirstResponse", by: "503", detection: "source_reply" }, T0 + 3_000],
      [{ _tag: "Expire" }, T0 + 86_400_000],
    )
    expect(statusLines(expired).at(-1)).toBe("⌛ Expired after 1d")
    expect(colorOf(expired)).toBe(0x95a5a6)
  })

  it("gives every button its emoji", () => {
    const engaged = apply(created(), [{ _tag: "Acknowledge", by: "501" }, T0 + 1_000])
    expect(buttonsFor(engaged).map((b) => [b.label, b.emoji])).toEqual([
      ["Talk to Ash", "💬"],
      ["I reached out", "🤝"],
      ["Resolve", "🔒"],
    ])
  })

  it("names the bot's own actors in words, members as mentions, and anything else escaped", () => {
    expect(actor("auto")).toBe("Ash (automatically)")
    expect(actor("clock")).toBe("the expiry timer")
    expect(actor("501")).toBe("<@501>")
    expect(actor("501x")).not.toContain("<@")
    expect(actor("x501")).not.toContain("<@")
    expect(actor("@everyone")).not.toBe("@everyone")
  })
})

describe("renderAlertMessage: untidy input", () => {
  it("trims the NLP's action and factors, and leaves out blank ones", () => {
    const padded = input({
      analysis: {
        ...input().analysis,
        recommendedAction: "  immediate_outreach  ",
        keyFactors: ["  isolation  ", " "],
      },
    })
    expect(fieldValue(created(), "📋 Recommended Action", padded)).toBe("Immediate Outreach")
    expect(fieldValue(created(), "🔍 Key Factors", padded)).toBe("• isolation")
    const blank = input({ analysis: { ...input().analysis, recommendedAction: "   ", keyFactors: ["  "] } })
    expect(fieldValue(created(), "📋 Recommended Action", blank)).toBeUndefined()
    expect(fieldValue(created(), "🔍 Key Factors", blank)).toBeUndefined()
  })

  it("names an escalation without the NLP's details plainly", () => {
    const escalated = created({ escalated: true })
    expect(fieldValue(escalated, "📈 ESCALATION DETECTED")).toBe("Pattern: **Escalating**")
  })

  it("calls a member without a display name 'Member', and shows only a safe https avatar", () => {
    const authorOf = (member: AlertMessageInput["member"]) =>
      renderAlertMessage(input({ member }), created()).embeds[0].author
    expect(authorOf({ displayName: "  " })).toEqual({ name: "Member" })
    const url = (n: number) => `https://cdn.example/${"a".repeat(n - 20)}`
    expect(authorOf({ displayName: "R", avatarUrl: url(2048) })?.iconUrl).toBe(url(2048))
    for (const avatarUrl of [
      url(2049),
      "http://cdn.example/a.png",
      "https://cdn.example/a b.png",
      " https://x/a",
    ])
      expect(authorOf({ displayName: "R", avatarUrl })).toEqual({ name: "R" })
  })

  it("pings at most 100 roles, and never more than the 2000 characters of content allow", () => {
    const short = Array.from({ length: 150 }, (_, i) => String(i + 1))
    const few = renderAlertMessage(input({ crtRoleIds: short }), created())
    expect(few.allowedMentions.roles).toHaveLength(100)
    expect(few.content?.match(/<@&/g)).toHaveLength(100)
    const long = Array.from({ length: 150 }, (_, i) => `1${String(i).padStart(17, "0")}`)
    const many = renderAlertMessage(input({ crtRoleIds: long }), created())
    expect(many.content?.length).toBeLessThanOrEqual(2000)
    expect(many.allowedMentions.roles.length).toBe(many.content?.match(/<@&/g)?.length)
    expect(many.allowedMentions.roles.length).toBe(Math.floor((2000 + 1) / 23))
  })
})
