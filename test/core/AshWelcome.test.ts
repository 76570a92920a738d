import { Either } from "effect"
import { describe, expect, it } from "vitest"
import {
  AUTO_NOTICE,
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

  it("an automatic welcome always opens by saying no person wrote it, whatever the templates say", () => {
    const custom = {
      ...DEFAULT_TEMPLATES,
      welcome: {
        ...DEFAULT_TEMPLATES.welcome,
        auto: { medium: "Hey {member}", high: "Hey {member}", critical: "Hey {member}" },
      },
    }
    for (const templates of [DEFAULT_TEMPLATES, custom])
      for (const severity of ALERT_SEVERITIES) {
        const auto = renderWelcome(
          templates,
          { alertId: alertId(1), memberId: "7", severity, mode: "auto" },
          T,
        )
        expect(auto.content.startsWith(`${AUTO_NOTICE}\n\n`)).toBe(true)
        const manual = renderWelcome(
          templates,
          { alertId: alertId(1), memberId: "7", severity, mode: "manual" },
          T,
        )
        expect(manual.content).not.toContain(AUTO_NOTICE)
      }
    // The default manual welcomes say who asked, and differ per severity.
    for (const severity of ALERT_SEVERITIES)
      expect(DEFAULT_TEMPLATES.welcome.manual[severity]).toContain("Crisis Response Team asked me")
    expect(new Set(ALERT_SEVERITIES.map((s) => DEFAULT_TEMPLATES.welcome.auto[s])).size).toBe(3)
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
