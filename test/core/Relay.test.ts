import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import {
  isStaffNote,
  relayedEmbed,
  signedForMember,
  staffThreadIntro,
  staffThreadName,
} from "../../src/core/Relay.js"
import { created } from "../support/alerts.js"

const message = {
  memberId: "940000000000000001",
  content: "hello",
  attachments: [],
  sentAt: 1_760_000_000_000,
}

describe("what the member receives", () => {
  it("a CRT answer is signed with the writer's name, or as the team", () => {
    expect(signedForMember("  I'm here.  ", "Sam")).toEqual(["I'm here.\n\n— Sam, Crisis Response Team"])
    expect(signedForMember("I'm here.", null)).toEqual(["I'm here.\n\n— Crisis Response Team"])
    expect(signedForMember("I'm here.", "  ")).toEqual(["I'm here.\n\n— Crisis Response Team"])
  })

  it("a long answer is split within Discord's 2000 characters, nothing lost, the signature last", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 4_500, unit: "grapheme" }), (text) => {
        const parts = signedForMember(text, "Sam")
        for (const p of parts) expect(Array.from(p).length).toBeLessThanOrEqual(2_000)
        const sign = "\n\n— Sam, Crisis Response Team"
        expect(parts.at(-1)?.endsWith(sign)).toBe(true)
        expect(parts.join("").slice(0, -sign.length)).toBe(text.trim())
      }),
    )
  })

  it("messages starting with // stay in the thread", () => {
    expect(isStaffNote("// checking history")).toBe(true)
    expect(isStaffNote("   //note")).toBe(true)
    expect(isStaffNote("see https://example.org // not a note")).toBe(false)
    expect(isStaffNote("/ not a note")).toBe(false)
  })
})

describe("what the CRT reads in the staff thread", () => {
  it("the member's message: its text, files as links, its time; the NLP's reading once known", () => {
    const pending = relayedEmbed(
      { ...message, attachments: [{ name: "draw[1].png", url: "https://cdn.example.org/draw.png" }] },
      null,
    )
    expect(pending.description).toBe("hello\n\n📎 [draw1.png](https://cdn.example.org/draw.png)")
    expect(pending.footer?.text).toBe("NLP: reading…")
    expect(pending.timestamp).toBe("2025-10-09T08:53:20.000Z")
    expect(relayedEmbed(message, { severity: "critical" }).footer?.text).toBe("NLP: CRITICAL")
    expect(relayedEmbed(message, { severity: "critical" }).color).toBe(0xe74c3c)
    expect(relayedEmbed(message, { unavailable: "NLP unavailable" }).footer?.text).toBe(
      "NLP: no reading (NLP unavailable)",
    )
    expect(relayedEmbed({ ...message, content: " " }, null)).toMatchObject({
      description: "*(no text)*",
      footer: { text: "NLP: no text to read" },
    })
  })

  it("the introduction says how the conversation began, what the member received, and how to answer", () => {
    const byCrt = staffThreadIntro(
      "940000000000000001",
      { _tag: "Contact", mode: "manual", by: "950000000000000002" },
      "Hi\nthere",
    )
    expect(byCrt).toContain("for <@950000000000000002>")
    expect(byCrt).toContain("They received:\n> Hi\n> there")
    expect(byCrt).toContain("`//`")
    expect(
      staffThreadIntro("940000000000000001", { _tag: "Contact", mode: "auto", by: "auto" }, "Hi"),
    ).toContain("automatically")
    const byMember = staffThreadIntro("940000000000000001", { _tag: "MemberWrote" }, null)
    expect(byMember).toContain("<@940000000000000001> wrote to Ash by direct message")
    expect(byMember).not.toContain("They received")
  })

  it("the thread is named after its alert, within Discord's 100 characters", () => {
    const name = staffThreadName(created())
    expect(name).toContain(created().id)
    expect(name.length).toBeLessThanOrEqual(100)
  })
})
