import { Either, Schema } from "effect"
import { describe, expect, it } from "vitest"
import {
  AUTO_NOTICE,
  DEFAULT_TEMPLATES,
  renderWelcome,
  TemplatesFile,
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
    expect(welcomeProblems("<@123> hi")).toEqual(["user mentions are not allowed (use {member})"])
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

  it("the crisis-lines card: each line's name, how to reach it, and its address on a line of its own", () => {
    const w = renderWelcome(
      {
        ...DEFAULT_TEMPLATES,
        resources: [
          { name: "Line A", contact: "Call 1", url: "https://a.example" },
          { name: "Line B", contact: "Text 2" },
        ],
      },
      { alertId: alertId(1), memberId: "7", severity: "high", mode: "manual" },
      T,
    )
    expect(w.embeds[0]?.description).toBe("**Line A** — Call 1\nhttps://a.example\n\n**Line B** — Text 2")
    expect(w.components[0]?.components[0]?.emoji).toEqual({ name: "👤" })
  })

  it("the defaults: every welcome filled and valid, and the three US lines with their numbers and sites", () => {
    for (const mode of ["manual", "auto"] as const)
      for (const severity of ALERT_SEVERITIES) {
        const text = DEFAULT_TEMPLATES.welcome[mode][severity]
        expect(text.startsWith("Hi {member}")).toBe(true)
        expect(text).toContain("Crisis Response Team")
        expect(welcomeProblems(text)).toEqual([])
      }
    expect(DEFAULT_TEMPLATES.resourcesTitle).toBe("If you need someone right now (US lines)")
    expect(DEFAULT_TEMPLATES.resources).toEqual([
      { name: "988 Suicide & Crisis Lifeline", contact: "Call or text 988", url: "https://988lifeline.org" },
      {
        name: "The Trevor Project",
        contact: "Call 1-866-488-7386 or text START to 678-678",
        url: "https://www.thetrevorproject.org/get-help/",
      },
      { name: "Trans Lifeline", contact: "Call 1-877-565-8860", url: "https://translifeline.org" },
    ])
  })

  it("a crisis line's address must be a whole http(s) URL", () => {
    const decode = Schema.decodeUnknownEither(TemplatesFile)
    const withUrl = (url: string) => decode({ resources: [{ name: "A", contact: "B", url }] })
    for (const ok of ["https://a.example/help", "http://a.example"])
      expect(Either.isRight(withUrl(ok))).toBe(true)
    for (const bad of [
      "ftp://a.example",
      "see https://a.example",
      "https://a.example more",
      "https://",
      "https://a b",
    ])
      expect(Either.isLeft(withUrl(bad))).toBe(true)
  })
})
