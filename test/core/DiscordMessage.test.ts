import { describe, expect, it } from "@effect/vitest"
import {
  type ActionRow,
  actionRows,
  EMBED_LIMITS,
  type EmbedData,
  embedTotalLength,
  embedViolations,
  fitEmbed,
} from "../../src/core/DiscordMessage.js"

const embed = (overrides: Partial<EmbedData> = {}): EmbedData => ({
  title: "T",
  color: 0x123456,
  fields: [],
  timestamp: "2026-01-01T00:00:00.000Z",
  ...overrides,
})

const button = (customId: string, label = "Go") => ({
  type: 2 as const,
  style: 1 as const,
  label,
  emoji: { name: "✅" },
  customId,
})

describe("embedTotalLength", () => {
  it("adds title, description, every field's name and value, footer and author, as Discord counts", () => {
    const e = embed({
      title: "ab",
      description: "cde",
      fields: [
        { name: "f", value: "gh", inline: false },
        { name: "ij", value: "k", inline: true },
      ],
      footer: { text: "lmno" },
      author: { name: "pqrst" },
    })
    expect(embedTotalLength(e)).toBe(2 + 3 + (1 + 2) + (2 + 1) + 4 + 5)
    expect(embedTotalLength(embed({ title: "xyz" }))).toBe(3)
  })
})

describe("embedViolations", () => {
  it("names every part over its limit, and each empty part", () => {
    const long = (n: number) => "x".repeat(n)
    const e = embed({
      title: long(257),
      description: long(4097),
      fields: [
        { name: long(257), value: long(1025), inline: false },
        { name: " ", value: "", inline: false },
      ],
      footer: { text: long(2049) },
      author: { name: long(257) },
    })
    expect(embedViolations({ content: long(2001), embeds: [e], components: [] })).toEqual([
      "content: 2001 > 2000",
      "embeds[0].title: 257 > 256",
      "embeds[0].description: 4097 > 4096",
      "embeds[0].fields[0].name: 257 > 256",
      "embeds[0].fields[0].value: 1025 > 1024",
      "embeds[0].fields[1].name: empty",
      "embeds[0].fields[1].value: empty",
      "embeds[0].footer.text: 2049 > 2048",
      "embeds[0].author.name: 257 > 256",
      `embeds[0] total: ${embedTotalLength(e)} > 6000`,
    ])
  })

  it("counts fields, embeds, rows and buttons, and checks custom ids, labels, colours and role pings", () => {
    const fields = Array.from({ length: 26 }, () => ({ name: "n", value: "v", inline: false }))
    const row = (n: number, id = "ash:v1:ack:alert_000000000001"): ActionRow => ({
      type: 1,
      components: Array.from({ length: n }, () => button(id)),
    })
    const violations = embedViolations({
      embeds: [
        embed({ fields, footer: { text: " " }, author: { name: "" } }),
        ...Array.from({ length: 10 }, () => embed()),
      ],
      components: [row(6), row(0), row(1, "x".repeat(101)), row(1, " "), row(1), row(1)],
      allowedMentions: {
        parse: [],
        roles: Array.from({ length: 101 }, (_, i) => String(i)),
        users: [],
        repliedUser: false,
      },
    })
    expect(violations).toEqual([
      "embeds: 11 > 10",
      "embeds[0].fields: 26 > 25",
      "embeds[0].footer.text: empty",
      "embeds[0].author.name: empty",
      "components: 6 > 5",
      "components[0]: 6 > 5",
      "components[1]: empty row",
      "components[2][0].customId: 101 > 100",
      "components[3][0].customId: empty",
      "allowedMentions.roles: 101 > 100",
    ])
    const label = embedViolations({
      embeds: [],
      components: [{ type: 1, components: [button("id", "l".repeat(81))] }],
    })
    expect(label).toEqual(["components[0][0].label: 81 > 80"])
  })

  it("accepts colours 0 to 0xffffff and nothing else", () => {
    for (const color of [0, 1, 0xffffff])
      expect(embedViolations({ embeds: [embed({ color })], components: [] })).toEqual([])
    for (const color of [-1, 0x1000000, 1.5, Number.NaN])
      expect(embedViolations({ embeds: [embed({ color })], components: [] })).toEqual([
        `embeds[0].color: ${color}`,
      ])
  })

  it("accepts exactly the limits", () => {
    const at = embed({
      title: "t".repeat(256),
      fields: [{ name: "n".repeat(256), value: "v".repeat(1024), inline: false }],
    })
    expect(embedViolations({ content: "c".repeat(2000), embeds: [at], components: [] })).toEqual([])
  })
})

describe("fitEmbed", () => {
  it("keeps every field of an embed exactly at Discord's total", () => {
    // The title (1), five fields of 1 + 999 units and one of 1 + 998: exactly 6000.
    const fields = Array.from({ length: 6 }, (_, i) => ({
      name: "n",
      value: "v".repeat(i === 5 ? 998 : 999),
      inline: false,
    }))
    const atTotal = embed({ fields })
    expect(embedTotalLength(atTotal)).toBe(EMBED_LIMITS.total)
    expect(fitEmbed(atTotal).fields).toHaveLength(6)
    const over = embed({
      fields: [...fields.slice(0, 5), { name: "n", value: "v".repeat(999), inline: false }],
    })
    expect(fitEmbed(over).fields).toHaveLength(5)
  })

  it("fills a blank title, a blank field and a bad colour so Discord accepts them", () => {
    const fitted = fitEmbed(
      embed({
        title: " ",
        color: -5,
        fields: [{ name: "", value: " ", inline: true }],
        footer: { text: "" },
      }),
    )
    expect(fitted.title).toBe("Alert")
    expect(fitted.color).toBe(0)
    expect(fitted.fields).toEqual([{ name: "\u200b", value: "—", inline: true }])
    expect(fitted.footer).toEqual({ text: "—" })
    expect(fitEmbed(embed({ color: 0x1000000 })).color).toBe(0)
    expect(fitEmbed(embed({ color: 0 })).color).toBe(0)
    expect(fitEmbed(embed({ color: 0xffffff })).color).toBe(0xffffff)
    expect(fitEmbed(embed({ author: { name: " " } })).author).toEqual({ name: "Member" })
  })

  it("keeps at most 25 fields, and drops trailing fields, whole, until the total fits", () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ name: `f${i}`, value: "v", inline: false }))
    expect(fitEmbed(embed({ fields: many })).fields).toHaveLength(25)
    const big = Array.from({ length: 8 }, (_, i) => ({
      name: `f${i}`,
      value: "v".repeat(1000),
      inline: false,
    }))
    const fitted = fitEmbed(embed({ fields: big }))
    expect(fitted.fields.map((f) => f.name)).toEqual(["f0", "f1", "f2", "f3", "f4"])
    expect(embedTotalLength(fitted)).toBeLessThanOrEqual(EMBED_LIMITS.total)
  })

  it("keeps an embed exactly at the total, and shortens the description when fields alone cannot fit", () => {
    const exact = embed({
      title: "t".repeat(256),
      description: "d".repeat(4096),
      footer: { text: "f".repeat(1648) },
    })
    expect(fitEmbed(exact)).toEqual(exact)
    const over = embed({
      title: "t".repeat(256),
      description: "d".repeat(4096),
      footer: { text: "f".repeat(2048) },
    })
    const fitted = fitEmbed(over)
    expect(embedTotalLength(fitted)).toBe(EMBED_LIMITS.total)
    expect(fitted.title).toBe(over.title)
    expect(fitted.footer).toEqual(over.footer)
  })

  it("leaves out a blank description", () => {
    expect(fitEmbed(embed({ description: "  " }))).not.toHaveProperty("description")
  })
})

describe("actionRows", () => {
  it("lays buttons out five to a row, at most five rows, in order", () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => button(`b${i}`))
    expect(actionRows([])).toEqual([])
    expect(actionRows(ids(5)).map((r) => r.components.length)).toEqual([5])
    expect(actionRows(ids(6)).map((r) => r.components.length)).toEqual([5, 1])
    expect(actionRows(ids(25)).map((r) => r.components.length)).toEqual([5, 5, 5, 5, 5])
    const crowded = actionRows(ids(27))
    expect(crowded.map((r) => r.components.length)).toEqual([5, 5, 5, 5, 5])
    expect(crowded.flatMap((r) => r.components.map((b) => b.customId))).toEqual(
      ids(25).map((b) => b.customId),
    )
    expect(crowded.every((r) => r.type === 1)).toBe(true)
  })
})
