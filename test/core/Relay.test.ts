import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { statusLines } from "../../src/core/AlertEmbed.js"
import { contributionOf } from "../../src/core/DailyAggregate.js"
import { transition } from "../../src/core/Lifecycle.js"
import {
  AUTO_REPLY,
  CLOSING_MESSAGE,
  firstReplyPing,
  isStaffNote,
  NOT_RELAYED_CLOSED,
  NOT_RELAYED_NO_TEXT,
  NOT_RELAYED_NOT_CRT,
  NOT_RELAYED_STORE_DOWN,
  relayClosedNotice,
  relayedEmbed,
  relayFailedNotice,
  relayMovedNotice,
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
        for (const p of parts) expect(p.length).toBeLessThanOrEqual(2_000)
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
    const byMember = staffThreadIntro("940000000000000001", { _tag: "MemberWrote", openedAlert: false }, null)
    expect(byMember).toContain("<@940000000000000001> wrote to Ash by direct message")
    expect(byMember).not.toContain("They received")
  })

  it("the thread is named after its alert, within Discord's 100 characters", () => {
    const name = staffThreadName(created())
    expect(name).toContain(created().id)
    expect(name.length).toBeLessThanOrEqual(100)
  })
})

describe("the relay's texts", () => {
  it("split exactly at Discord's limit: a text that fits with its signature is one message", () => {
    const sign = "\n\n— Sam, Crisis Response Team"
    const fits = "x".repeat(2_000 - sign.length)
    expect(signedForMember(fits, "Sam")).toEqual([`${fits}${sign}`])
    const over = `${fits}y`
    expect(signedForMember(over, "Sam")).toEqual([over.slice(0, 2_000), `${over.slice(2_000)}${sign}`])
    expect(signedForMember("Hi", " Sam ")).toEqual(["Hi\n\n— Sam, Crisis Response Team"])
    const long = "a".repeat(4_500)
    expect(signedForMember(long, "Sam")).toEqual([
      "a".repeat(2_000),
      "a".repeat(2_000),
      `${"a".repeat(500)}${sign}`,
    ])
    // An emoji (two UTF-16 units) across the limit moves whole to the next message.
    const straddling = `${"b".repeat(1_999)}💜${"c".repeat(10)}`
    expect(signedForMember(straddling, "Sam")).toEqual(["b".repeat(1_999), `💜${"c".repeat(10)}${sign}`])
  })

  it("the member's files, one per line; a long message cut with an ellipsis", () => {
    const files = relayedEmbed(
      {
        ...message,
        attachments: [
          { name: "a.png", url: "https://cdn.example.org/a.png" },
          { name: "b.png", url: "https://cdn.example.org/b.png" },
        ],
      },
      null,
    )
    expect(files.title).toBe("💬 The member wrote")
    expect(files.description).toBe(
      "hello\n\n📎 [a.png](https://cdn.example.org/a.png)\n📎 [b.png](https://cdn.example.org/b.png)",
    )
    const long = relayedEmbed({ ...message, content: "z".repeat(5_000) }, null)
    expect(long.description?.length).toBe(4_096)
    expect(long.description?.endsWith("…")).toBe(true)
  })

  it("the introduction quotes a long welcome cut with an ellipsis, and has no empty part", () => {
    const intro = staffThreadIntro(
      "940000000000000001",
      { _tag: "Contact", mode: "auto", by: "auto" },
      "w".repeat(1_500),
    )
    expect(intro).toContain("🤖 Ash reached out to <@940000000000000001> automatically")
    expect(intro).toContain(`> ${"w".repeat(1_199)}…\n`)
    const byMember = staffThreadIntro("940000000000000001", { _tag: "MemberWrote", openedAlert: false }, null)
    expect(byMember.split("\n\n")).toHaveLength(2)
    expect(byMember).not.toContain("null")
  })

  it("every note says what happened and what to do", () => {
    expect(AUTO_REPLY).toBe(
      "Thank you for writing. A member of our Crisis Response Team has been told and will answer here.",
    )
    expect(CLOSING_MESSAGE).toContain("you can write here again any time")
    expect(relayFailedNotice("they do not accept direct messages from the bot")).toBe(
      "⚠️ **Not delivered to the member** (they do not accept direct messages from the bot). They may have closed their direct messages: please reach them another way. This message does not count as a response.",
    )
    expect(relayClosedNotice("resolved")).toContain("The alert was resolved: this conversation is closed.")
    expect(relayClosedNotice("expired")).toContain("The alert was closed by expiry:")
    expect(relayMovedNotice("1500000000000000001")).toContain("<#1500000000000000001>")
    expect(firstReplyPing(["910000000000000001", "910000000000000002"])).toBe(
      "<@&910000000000000001> <@&910000000000000002> 📨 The member answered. Please reply here.",
    )
    expect(firstReplyPing([])).toBe("📨 The member answered. Please reply here.")
    expect(NOT_RELAYED_NOT_CRT).toContain("Only messages of CRT members are sent")
    expect(NOT_RELAYED_CLOSED).toContain("not sent to the member")
    expect(NOT_RELAYED_NO_TEXT).toContain("Only text is sent")
    expect(NOT_RELAYED_STORE_DOWN).toContain("**not** sent")
  })
})

describe("a raise by the member's message", () => {
  it("shows on the alert, counts once in its day at the posted severity, and is refused when not higher", () => {
    const alert = created({ severity: "high" })
    const raised = transition(
      alert,
      { _tag: "SeverityRaised", severity: "critical" },
      alert.createdAt + 1_000,
    )
    if (Either.isLeft(raised)) throw new Error(`refused: ${raised.left._tag}`)
    const after = raised.right.alert
    expect(after).toMatchObject({ severity: "critical", raisedFrom: "high" })
    expect(statusLines(after)).toContain("⬆️ Raised from HIGH to CRITICAL: the member wrote to Ash")
    expect(statusLines(alert).some((l) => l.includes("Raised"))).toBe(false)
    const day = contributionOf(after)
    expect(day.severity).toEqual({ medium: 0, high: 1, critical: 0 })
    expect(day.counts.get("raised")).toBe(1)
    expect(contributionOf(alert).counts.get("raised") ?? 0).toBe(0)
    expect(transition(after, { _tag: "SeverityRaised", severity: "high" }, alert.createdAt)).toEqual(
      Either.left({ _tag: "NotHigher", severity: "high" }),
    )
  })
})
