import { Either } from "effect"
import { describe, expect, it } from "vitest"
import {
  DEFAULT_TEMPLATES,
  renderWelcome,
  templatesFrom,
  welcomeProblems,
} from "../../src/core/AshWelcome.js"
import { decodeCustomId } from "../../src/core/CustomId.js"
import { ALERT_SEVERITIES } from "../../src/core/Severity.js"
import { alertId } from "../support/alerts.js"

const T = 1_760_000_000_000

describe("Ash's welcome", () => {
  it("fills in the member, pings only them, carries the crisis lines and the member's opt-out button", () => {
    const w = renderWelcome(
      DEFAULT_TEMPLATES,
      { alertId: alertId(3), memberId: "940000000000000001", severity: "critical", mode: "manual" },
      T,
    )
    expect(w.content.startsWith("Hi <@940000000000000001>, this is Ash")).toBe(true)
    expect(w.content).not.toMatch(/\{[a-z]+\}/)
    expect(w.allowedMentions).toEqual({
      parse: [],
      roles: [],
      users: ["940000000000000001"],
      repliedUser: false,
    })
    expect(w.embeds[0]?.description).toContain("**988 Suicide & Crisis Lifeline** — Call or text 988")
    expect(w.embeds[0]?.timestamp).toBe(new Date(T).toISOString())
    const button = w.components[0]?.components[0]
    expect(button?.label).toBe("I'd rather talk to a person")
    expect(decodeCustomId(button?.customId ?? "")).toEqual(
      Either.right({ action: "optout", alertId: alertId(3) }),
    )
  })

  it("the automatic welcome of every severity says it is automatic and never claims a person wrote it", () => {
    for (const severity of ALERT_SEVERITIES) {
      const text = DEFAULT_TEMPLATES.welcome.auto[severity]
      expect(text).toContain("an automated message")
      expect(text).toContain("not a person")
      expect(text).not.toMatch(/\bI am a (member|volunteer)|\bI'm a (member|volunteer)/i)
      // A manual welcome differs per severity, and says who asked.
      expect(DEFAULT_TEMPLATES.welcome.manual[severity]).toContain("Crisis Response Team asked me")
    }
    expect(new Set(ALERT_SEVERITIES.map((s) => DEFAULT_TEMPLATES.welcome.auto[s])).size).toBe(3)
  })

  it("no resources: no card, the button stays", () => {
    const w = renderWelcome(
      { ...DEFAULT_TEMPLATES, resources: [] },
      { alertId: alertId(1), memberId: "1", severity: "medium", mode: "auto" },
      T,
    )
    expect(w.embeds).toEqual([])
    expect(w.components).toHaveLength(1)
  })

  it("names every problem of a welcome text", () => {
    expect(welcomeProblems("Hi {member}")).toEqual([])
    expect(welcomeProblems("Hi {user} and {}")).toEqual([
      "unknown placeholder {user} (known: {member})",
      "unknown placeholder {} (known: {member})",
    ])
    expect(welcomeProblems("@here hi")).toEqual(["@everyone and @here are not allowed"])
    expect(welcomeProblems("<@&123> hi")).toEqual(["role mentions are not allowed"])
    expect(welcomeProblems("<@!123> hi")).toEqual(["user mentions are not allowed (use {member})"])
  })

  it("a file's parts replace the defaults; each problem is named with its place", () => {
    const same = (text: string) => ({ medium: text, high: text, critical: text })
    expect(templatesFrom({})).toEqual(Either.right(DEFAULT_TEMPLATES))
    const custom = templatesFrom({ resourcesTitle: "Hilfe", welcome: { manual: same("Hallo {member}") } })
    expect(Either.isRight(custom) && custom.right.welcome.manual.high).toBe("Hallo {member}")
    expect(Either.isRight(custom) && custom.right.welcome.auto).toEqual(DEFAULT_TEMPLATES.welcome.auto)
    expect(Either.isRight(custom) && custom.right.resourcesTitle).toBe("Hilfe")
    expect(templatesFrom({ welcome: { auto: { ...same("ok"), high: "{x}" } } })).toEqual(
      Either.left(["welcome.auto.high: unknown placeholder {x} (known: {member})"]),
    )
  })
})
