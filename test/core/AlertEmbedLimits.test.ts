import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck } from "effect"
import type { Alert } from "../../src/core/Alert.js"
import {
  type AlertAnalysis,
  embedViolations,
  renderAlertMessage,
  renderAlertUpdate,
} from "../../src/core/AlertEmbed.js"
import { type EmbedData, fitEmbed } from "../../src/core/DiscordMessage.js"
import { type LifecycleEvent, transition } from "../../src/core/Lifecycle.js"
import { created, T0 } from "../support/alerts.js"
import { runs } from "../support/properties.js"

const HOSTILE = [
  "```",
  "``",
  "`",
  "@everyone",
  "@here",
  "<@123>",
  "<@!123>",
  "<@&999>",
  "<#55>",
  "**",
  "__",
  "~~",
  "||",
  "> ",
  "# ",
  "-# ",
  "[x](https://evil.example)",
  "\n",
  "\r\n",
  "\\",
  "😀",
  "👩‍👩‍👧",
  "\u200b",
  "\ud83d",
  " ",
  "a",
]

const hostileText = FastCheck.array(FastCheck.constantFrom(...HOSTILE), { maxLength: 400 }).map((p) =>
  p.join(""),
)
const longText = FastCheck.tuple(
  FastCheck.fullUnicodeString({ maxLength: 40 }),
  FastCheck.integer({ min: 1, max: 3_000 }),
).map(([s, n]) => s.repeat(n))
const text = FastCheck.oneof(
  FastCheck.string({ maxLength: 3_000 }),
  FastCheck.fullUnicodeString({ maxLength: 100_000 }),
  longText,
  hostileText,
)
const shortText = FastCheck.oneof(FastCheck.string({ maxLength: 400 }), hostileText, longText)

const snowflake = FastCheck.stringMatching(/^[1-9][0-9]{5,19}$/)

const analysis: FastCheck.Arbitrary<AlertAnalysis> = FastCheck.record({
  confidence: FastCheck.double({ min: 0, max: 1, noNaN: true }),
  recommendedAction: FastCheck.option(shortText, { nil: undefined }),
  keyFactors: FastCheck.array(shortText, { maxLength: 40 }),
  requestId: shortText,
  processingTimeMs: FastCheck.double({ min: 0, max: 1e9, noNaN: true }),
  escalation: FastCheck.option(
    FastCheck.record({ trend: shortText, messageCount: FastCheck.integer({ min: 0, max: 1_000_000 }) }),
    { nil: undefined },
  ),
})

const actor = FastCheck.oneof(snowflake, FastCheck.constantFrom("auto", "clock", "@everyone", "<@&999>"))
const event: FastCheck.Arbitrary<LifecycleEvent> = FastCheck.oneof(
  actor.map((by) => ({ _tag: "Acknowledge" as const, by })),
  actor.map((by) => ({ _tag: "RequestAshContact" as const, by })),
  FastCheck.constant({ _tag: "AutoContactDue" as const }),
  FastCheck.constantFrom("dm" as const, "thread" as const).map((via) => ({
    _tag: "AshContactMade" as const,
    via,
    threadId: via === "thread" ? "1400000000000000001" : null,
  })),
  FastCheck.constant({ _tag: "AshContactFailed" as const, reason: "dms closed" }),
  actor.map((by) => ({ _tag: "FirstResponse" as const, by, detection: "self_reported" as const })),
  actor.map((by) => ({ _tag: "Resolve" as const, by })),
  FastCheck.constant({ _tag: "Expire" as const }),
  FastCheck.constant({ _tag: "MemberOptedOut" as const }),
  FastCheck.constant({ _tag: "RepeatSuppressed" as const }),
)

/** An alert in any reachable state: a random history with random gaps, refusals ignored. */
const alert: FastCheck.Arbitrary<Alert> = FastCheck.record({
  severity: FastCheck.constantFrom("medium" as const, "high" as const, "critical" as const),
  escalated: FastCheck.boolean(),
  optedOut: FastCheck.boolean(),
  crisisScore: FastCheck.double({ min: 0, max: 1, noNaN: true }),
  ids: FastCheck.tuple(snowflake, snowflake, snowflake, snowflake),
  history: FastCheck.array(FastCheck.tuple(event, FastCheck.integer({ min: 0, max: 30 * 86_400_000 })), {
    maxLength: 12,
  }),
}).map(({ ids: [guildId, memberId, sourceChannelId, sourceMessageId], history, ...rest }) => {
  const origin = {
    guildId,
    memberId,
    sourceChannelId,
    sourceMessageId,
    alertChannelId: "1",
    alertMessageId: "2",
  }
  let a = created({ ...rest, origin })
  let now = T0
  for (const [e, gap] of history) {
    now += gap
    const result = transition(a, e, now)
    if (Either.isRight(result)) a = result.right.alert
  }
  return a
})

const crtRoleIds = FastCheck.array(
  FastCheck.oneof(
    { weight: 5, arbitrary: snowflake },
    { weight: 1, arbitrary: FastCheck.constantFrom("everyone", "<@123>", "", "12 34") },
  ),
  { maxLength: 150 },
)

const member = FastCheck.record({
  displayName: shortText,
  avatarUrl: FastCheck.option(FastCheck.oneof(FastCheck.webUrl(), shortText), { nil: undefined }),
})

const MENTION = /<@[!&]?[^>]*>|<#[^>]*>|@everyone|@here/g

describe("renderAlertMessage: for any input", () => {
  it.prop(
    "stays within Discord's limits, pings only CRT roles, and keeps the code block closed",
    [text, member, analysis, alert, crtRoleIds],
    ([body, who, nlp, a, roles]) => {
      const msg = renderAlertMessage({ analysis: nlp, member: who, text: body, crtRoleIds: roles }, a)
      expect(embedViolations(msg)).toEqual([])

      expect(msg.allowedMentions.parse).toEqual([])
      expect(msg.allowedMentions.users).toEqual([])
      expect(msg.allowedMentions.repliedUser).toBe(false)
      for (const id of msg.allowedMentions.roles) expect(roles).toContain(id)
      if (a.severity === "medium") expect(msg.allowedMentions.roles).toEqual([])

      const mentions = msg.content?.match(MENTION) ?? []
      expect(mentions).toEqual(msg.allowedMentions.roles.map((id) => `<@&${id}>`))
      const rest = (msg.content ?? "").replace(MENTION, "").replace("📈 **ESCALATION**", "").trim()
      expect(rest).toBe("")

      const [embed] = msg.embeds
      const message = embed.fields.find((f) => f.name === "📝 Message")?.value ?? ""
      expect(message.split("```")).toHaveLength(3)
      expect(message.startsWith("```\n") && message.endsWith("\n```")).toBe(true)

      // Author and footer show text as-is, so only mentions matter there; fields render markdown.
      const plain = [embed.title, embed.author?.name ?? "", embed.footer?.text ?? ""].join("\n")
      expect(plain).not.toMatch(/@everyone|@here|<@[!&]/)
      const others = embed.fields.filter((f) => f.name !== "📝 Message").flatMap((f) => [f.name, f.value])
      expect(others.join("\n")).not.toMatch(/@everyone|@here|<@[!&]|```/)
    },
    runs(200),
  )

  it.prop(
    "stays within limits when a posted alert is brought up to date",
    [text, member, analysis, alert, alert],
    ([body, who, nlp, before, after]) => {
      const posted = renderAlertMessage(
        { analysis: nlp, member: who, text: body, crtRoleIds: ["900"] },
        before,
      )
      const edit = renderAlertUpdate(posted.embeds[0], after)
      expect(embedViolations(edit)).toEqual([])
      expect(edit.allowedMentions.roles).toEqual([])
    },
  )
})

describe("fitEmbed", () => {
  const anyText = FastCheck.oneof(FastCheck.string({ maxLength: 300 }), longText, FastCheck.constant(" "))
  const embed: FastCheck.Arbitrary<EmbedData> = FastCheck.record({
    title: anyText,
    description: anyText,
    color: FastCheck.integer({ min: -5, max: 0x1ffffff }),
    author: FastCheck.record({ name: anyText }),
    fields: FastCheck.array(
      FastCheck.record({ name: anyText, value: anyText, inline: FastCheck.boolean() }),
      {
        maxLength: 40,
      },
    ),
    footer: FastCheck.record({ text: anyText }),
    timestamp: FastCheck.constant(new Date(T0).toISOString()),
  })

  it.prop("forces any embed within every limit", [embed], ([e]) => {
    expect(embedViolations({ embeds: [fitEmbed(e)], components: [] })).toEqual([])
  })

  it("leaves an embed within the limits unchanged", () => {
    const e: EmbedData = {
      title: "t",
      color: 1,
      fields: [{ name: "n", value: "v", inline: true }],
      timestamp: "x",
    }
    expect(fitEmbed(e)).toEqual(e)
  })

  it("reports each violation", () => {
    const e: EmbedData = {
      title: "t".repeat(257),
      color: 1,
      fields: [{ name: "n", value: " ", inline: true }],
      timestamp: "x",
    }
    expect(embedViolations({ content: "c".repeat(2001), embeds: [e], components: [] })).toEqual([
      "content: 2001 > 2000",
      "embeds[0].title: 257 > 256",
      "embeds[0].fields[0].value: empty",
    ])
  })
})
