import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { CLOCK_NAMES, type DailyAggregate, empty, merge, recompute } from "../../src/core/DailyAggregate.js"
import {
  EMBED_LIMITS,
  fitLines,
  hourRange,
  longDate,
  type ReportEmbed,
  renderWeeklyReport,
} from "../../src/core/WeeklyReport.js"
import { type DayAggregate, summarize } from "../../src/core/WeeklySummary.js"
import { alertsArb } from "../support/lifecycle.js"
import { runs } from "../support/properties.js"
import { alertOf, daysOf, mergedOf, PREVIOUS_ALERTS, U1, U2, U3, WEEK_ALERTS } from "./reportFixture.js"

const targets = { acknowledge: 300_000, ash_contact: 120_000, first_response: 900_000 }

const field = (embed: ReportEmbed, name: string): string => {
  const found = embed.fields.find((f) => f.name.includes(name))
  expect(found, `field ${name}`).toBeDefined()
  return found?.value ?? ""
}

const size = (e: ReportEmbed): number =>
  e.title.length +
  e.description.length +
  e.footer.text.length +
  e.fields.reduce((sum, f) => sum + f.name.length + f.value.length, 0)

const expectWithinLimits = (e: ReportEmbed): void => {
  expect(e.title.length).toBeLessThanOrEqual(256)
  expect(e.description.length).toBeLessThanOrEqual(EMBED_LIMITS.description)
  expect(e.fields.length).toBeLessThanOrEqual(25)
  for (const f of e.fields) {
    expect(f.name.length).toBeLessThanOrEqual(EMBED_LIMITS.fieldName)
    expect(f.value.length).toBeGreaterThan(0)
    expect(f.value.length).toBeLessThanOrEqual(EMBED_LIMITS.fieldValue)
  }
  expect(e.footer.text.length).toBeLessThanOrEqual(2048)
  expect(size(e)).toBeLessThanOrEqual(EMBED_LIMITS.total)
}

const report = (minSamples?: number) =>
  renderWeeklyReport(
    summarize({ days: daysOf(WEEK_ALERTS), previous: mergedOf(PREVIOUS_ALERTS), targets, minSamples }),
    { timeZone: "UTC", timestamp: "2026-01-12T09:00:00.000Z" },
  )

describe("renderWeeklyReport", () => {
  it("has the title, colour, period and timestamp", () => {
    const e = report()
    expect(e.title).toBe("📊 Weekly Crisis Response Report")
    expect(e.color).toBe(0x3498db)
    expect(e.description).toContain("Week of January 05, 2026 – January 11, 2026")
    expect(e.timestamp).toBe("2026-01-12T09:00:00.000Z")
    expect(e.fields.map((f) => f.name)).toEqual([
      "📈 Alert Summary",
      "⏱️ Response Times",
      "🤖 Ash Engagement",
      "📅 Busiest Times",
      "🏆 CRT Responders",
      "🚨 Unanswered",
      "📉 Change vs Previous Week",
      "📖 Definitions",
    ])
    expectWithinLimits(e)
  })

  it("leaves the timestamp out when none is given", () => {
    const e = renderWeeklyReport(summarize({ days: daysOf([]), previous: empty, targets }), {
      timeZone: "UTC",
    })
    expect("timestamp" in e).toBe(false)
  })

  it("summarises alerts by severity with escalations", () => {
    expect(field(report(), "Alert Summary")).toBe(
      "Total alerts: **4**\n🔴 Critical: 1\n🟠 High: 2\n🟡 Medium: 1\n⬆️ Escalations: 1",
    )
  })

  it("shows each clock's average, n and % within target, withholding percentiles below n = 5", () => {
    const times = field(report(), "Response Times")
    expect(times).toContain(
      "**Time to acknowledge** (n = 3)\navg 2m 6s · p50/p90 withheld (n < 5) · 100% within 5m",
    )
    expect(times).toContain(
      "**Time to Ash contact** (n = 2)\navg 2m 15s · p50/p90 withheld (n < 5) · 50% within 2m",
    )
    expect(times).toContain("avg 7m 30s · p50/p90 withheld (n < 5) · 100% within 15m")
    expect(times).toContain("**Message-to-alert latency** (n = 4)\navg 2s · p50/p90 withheld (n < 5)")
  })

  it("shows p50 and p90 once there are enough samples", () => {
    const times = field(report(2), "Response Times")
    expect(times).toContain("avg 2m 6s · p50 2m 8s · p90 3m 20s · 100% within 5m")
  })

  it("reports Ash engagement, busiest times, responders and unanswered alerts", () => {
    const e = report()
    expect(field(e, "Ash Engagement")).toBe(
      "Ash reached the member: 2\n• by Talk to Ash: 1\n• automatically: 1\nOpted out (human support only): 0\nAlerts where contact failed: 0",
    )
    expect(field(e, "Busiest Times")).toBe(
      "Peak day: Monday, January 05 — 2 alerts\nPeak hour: 09:00–10:00 UTC — 2 alerts\nMon 2 · Tue 2 · Wed 0 · Thu 0 · Fri 0 · Sat 0 · Sun 0",
    )
    expect(field(e, "CRT Responders")).toBe(
      [
        `1. <@${U1}> — 2 acknowledgements, 1 first response`,
        `2. <@${U3}> — 1 acknowledgement, 0 first responses`,
        `3. <@${U2}> — 0 acknowledgements, 1 first response`,
      ].join("\n"),
    )
    expect(field(e, "Unanswered")).toBe("**1** of 3 closed alerts had no human response")
  })

  it("compares with the previous week", () => {
    const lines = field(report(), "Change vs Previous Week").split("\n")
    expect(lines[0]).toBe("Alerts: 4 (+2, +100%)")
    expect(lines).toContain("Time to acknowledge: avg 2m 6s (-53s, -30%)")
    expect(lines).toContain("Time to Ash contact: No data to compare")
    expect(lines).toContain("Time to first human response: No data to compare")
    expect(lines).toContain("Message-to-alert latency: avg 2s (no change)")
    // One line per clock, after the alerts line.
    expect(lines).toHaveLength(1 + CLOCK_NAMES.length)
  })

  it("states what each clock measures", () => {
    const defs = field(report(), "Definitions")
    expect(defs).toContain("**Time to acknowledge**: alert posted → first Acknowledge press.")
    expect(defs).toContain("**Time to Ash contact**: alert posted → Ash reached the member")
    expect(defs).toContain("first CRT message to the member, or “I reached out”")
    expect(defs).toContain("**Message-to-alert latency**: member's message → alert posted.")
    expect(defs).toContain("**Unanswered**: closed (resolved or expired) with no human response.")
  })

  it("renders an empty week as No data everywhere", () => {
    const e = renderWeeklyReport(summarize({ days: daysOf([]), previous: empty, targets }), {
      timeZone: "UTC",
    })
    for (const f of e.fields.filter((x) => !x.name.includes("Definitions"))) {
      expect(f.value, f.name).toMatch(/No (responder )?data/)
    }
    expect(field(e, "Response Times").match(/No data/g)).toHaveLength(CLOCK_NAMES.length)
    expectWithinLimits(e)
  })
})

describe("report helpers", () => {
  it("formats dates and hours", () => {
    expect(longDate("2026-01-05")).toBe("January 05, 2026")
    expect(longDate("2025-12-31")).toBe("December 31, 2025")
    expect(hourRange(0)).toBe("00:00–01:00")
    expect(hourRange(14)).toBe("14:00–15:00")
    expect(hourRange(23)).toBe("23:00–24:00")
  })

  it("shows a month it cannot name by its number", () => {
    expect(longDate("2026-13-05")).toBe("13 05, 2026")
  })

  it("drops whole lines, with a count, to fit a limit", () => {
    expect(fitLines(["aaaa", "bbbb", "cccc"], 100)).toBe("aaaa\nbbbb\ncccc")
    const lines = ["a".repeat(10), "b".repeat(10), "c".repeat(10)]
    expect(fitLines(lines, 30)).toBe(`${"a".repeat(10)}\n… and 2 more`)
    expect(fitLines(["x".repeat(50)], 10)).toBe(`${"x".repeat(9)}…`)
  })
})

describe("report limits", () => {
  // Many responders with long ids, a long footer and timezone: the worst a configuration can do.
  const crowdArb = fc.array(
    fc.record({ id: fc.stringMatching(/^[0-9]{1,20}$/), acks: fc.integer({ min: 1, max: 50 }) }),
    { maxLength: 120 },
  )

  it.prop(
    "stays within Discord's embed limits for any week",
    [alertsArb(40), crowdArb, fc.integer({ min: 0, max: 200 }), fc.string({ maxLength: 3000 })],
    ([alerts, crowd, topN, footerText]) => {
      const byDay = recompute(alerts)
      const crowdAgg: DailyAggregate = {
        ...empty,
        responders: new Map(
          crowd.map((c) => [
            c.id,
            new Map([
              ["acknowledgements", c.acks],
              ["firstResponses", 1],
            ] as const),
          ]),
        ),
      }
      const days: [DayAggregate, ...Array<DayAggregate>] = [
        { day: "2026-01-01", aggregate: merge(byDay.get("2026-01-01") ?? empty, crowdAgg) },
        { day: "2026-01-02", aggregate: byDay.get("2026-01-02") ?? empty },
        { day: "2026-01-03", aggregate: byDay.get("2026-01-03") ?? empty },
      ]
      const s = summarize({ days, previous: byDay.get("2026-01-02") ?? empty, targets, topN })
      const e = renderWeeklyReport(s, { timeZone: "America/Argentina/ComodRivadavia", footerText })
      expectWithinLimits(e)
    },
    runs(200),
  )
})

describe("renderWeeklyReport: periods, changes and trimming", () => {
  const empty7 = summarize({ days: daysOf([]), previous: empty, targets })

  it("names a period that is not a week by its days, and says the timezone and the footer", () => {
    const days: [DayAggregate, ...Array<DayAggregate>] = [
      { day: "2026-01-05", aggregate: empty },
      { day: "2026-01-06", aggregate: empty },
    ]
    const e = renderWeeklyReport(summarize({ days, previous: empty, targets }), { timeZone: "Europe/Berlin" })
    expect(e.description).toBe(
      "January 05, 2026 – January 06, 2026 (2 days)\nDays and hours in Europe/Berlin.",
    )
    expect(e.footer.text).toBe("Ash-Bot CRT alerting")
    expect(e.fields.every((f) => !f.inline)).toBe(true)
    // Not called weekly, and compared with as many days before.
    expect(e.title).toBe("📊 Crisis Response Report")
    expect(e.fields.map((f) => f.name)).toContain("📉 Change vs Previous 2 Days")
    const one = renderWeeklyReport(summarize({ days: [days[0]], previous: empty, targets }), {
      timeZone: "UTC",
    })
    expect(one.description.split("\n")[0]).toBe("January 05, 2026 – January 05, 2026 (1 day)")
    expect(renderWeeklyReport(empty7, { timeZone: "UTC", footerText: "CRT" }).footer.text).toBe("CRT")
  })

  it("compares against an empty previous week plainly, and says when nothing changed", () => {
    const fromNothing = renderWeeklyReport(
      summarize({ days: daysOf(WEEK_ALERTS), previous: empty, targets }),
      { timeZone: "UTC" },
    )
    expect(field(fromNothing, "Change vs Previous Week").split("\n")[0]).toBe(
      "Alerts: 4 (previous period: 0)",
    )
    const same = renderWeeklyReport(
      summarize({ days: daysOf(WEEK_ALERTS), previous: mergedOf(WEEK_ALERTS), targets }),
      { timeZone: "UTC" },
    )
    const lines = field(same, "Change vs Previous Week").split("\n")
    expect(lines[0]).toBe("Alerts: 4 (no change)")
    expect(lines).toContain("Time to acknowledge: avg 2m 6s (no change)")
    const twice = merge(mergedOf(WEEK_ALERTS), mergedOf(WEEK_ALERTS))
    const fewer = renderWeeklyReport(summarize({ days: daysOf(WEEK_ALERTS), previous: twice, targets }), {
      timeZone: "UTC",
    })
    expect(field(fewer, "Change vs Previous Week").split("\n")[0]).toBe("Alerts: 4 (-4, -50%)")
  })

  it("lists the days for up to two weeks, and only the peaks beyond", () => {
    const fortnight = Array.from({ length: 14 }, (_, i) => ({
      day: `2026-01-${String(i + 5).padStart(2, "0")}`,
      aggregate: i === 0 ? mergedOf(WEEK_ALERTS) : empty,
    }))
    const render = (days: ReadonlyArray<DayAggregate>) => {
      const [first, ...rest] = days
      if (first === undefined) throw new Error("days expected")
      return field(
        renderWeeklyReport(summarize({ days: [first, ...rest], previous: empty, targets }), {
          timeZone: "UTC",
        }),
        "Busiest Times",
      ).split("\n")
    }
    expect(render(fortnight)).toHaveLength(3)
    expect(render([...fortnight, { day: "2026-01-19", aggregate: empty }])).toHaveLength(2)
  })

  it("says so when alerts were recorded but none is closed yet", () => {
    const open = WEEK_ALERTS.map((a) => ({ ...a, milestones: { ...a.milestones, closed: null } }))
    const e = renderWeeklyReport(summarize({ days: daysOf(open), previous: empty, targets }), {
      timeZone: "UTC",
    })
    expect(field(e, "Unanswered")).toBe("No alert has been closed yet")
  })

  it("says there is no change to show when neither period had an alert", () => {
    expect(field(renderWeeklyReport(empty7, { timeZone: "UTC" }), "Change vs Previous Week")).toBe("No data")
  })

  it("shows a quiet week against a busy one as a fall to zero", () => {
    const quiet = renderWeeklyReport(
      summarize({ days: daysOf([]), previous: mergedOf(PREVIOUS_ALERTS), targets }),
      { timeZone: "UTC" },
    )
    const lines = field(quiet, "Change vs Previous Week").split("\n")
    expect(lines[0]).toBe("Alerts: 0 (-2, -100%)")
    expect(lines.slice(1)).toEqual([
      "Time to acknowledge: No data to compare",
      "Time to Ash contact: No data to compare",
      "Time to first human response: No data to compare",
      "Message-to-alert latency: No data to compare",
    ])
  })

  it("shows a change from an average of zero without a percentage", () => {
    // Last week's one alert was acknowledged the moment it was posted.
    const instant = alertOf({
      n: 7,
      day: "2025-12-30",
      hour: 3,
      severity: "high",
      events: [[0, { _tag: "Acknowledge", by: U2 }]],
    })
    const e = renderWeeklyReport(
      summarize({ days: daysOf(WEEK_ALERTS), previous: mergedOf([instant]), targets }),
      { timeZone: "UTC" },
    )
    const lines = field(e, "Change vs Previous Week").split("\n")
    expect(lines[0]).toBe("Alerts: 4 (+3, +300%)")
    expect(lines).toContain("Time to acknowledge: avg 2m 6s (+2m 6s)")
  })

  it("explains how averages and percentiles are worked out, with the sample threshold", () => {
    const explained = (minSamples: number) =>
      `Averages use every sample; p50/p90 are estimated from fixed time buckets and withheld when n < ${minSamples}; “% within” is the share at or below the target.`
    expect(field(report(), "Definitions").split("\n")).toContain(explained(5))
    expect(field(report(2), "Definitions").split("\n")).toContain(explained(2))
  })

  it("shows the peak day without a peak hour when no alert's hour was recorded", () => {
    // An alert whose hour could not be read counts for its day but for no hour.
    const noHours: DailyAggregate = { ...mergedOf(WEEK_ALERTS), hours: new Array<number>(24).fill(0) }
    const e = renderWeeklyReport(
      summarize({ days: [{ day: "2026-01-05", aggregate: noHours }], previous: empty, targets }),
      { timeZone: "UTC" },
    )
    expect(field(e, "Busiest Times")).toBe(
      "Peak day: Monday, January 05 — 4 alerts\nPeak hour: No data\nMon 4",
    )
  })

  it("cuts only the longest field, and only by what is over the limit", () => {
    const thirty: DailyAggregate = {
      ...empty,
      responders: new Map(
        Array.from({ length: 30 }, (_, i) => [
          `9000000000000000${String(i).padStart(2, "0")}`,
          new Map([
            ["acknowledgements", 1],
            ["firstResponses", 1],
          ] as const),
        ]),
      ),
    }
    const s = summarize({
      days: [{ day: "2026-01-05", aggregate: thirty }],
      previous: empty,
      targets,
      topN: 30,
    })
    const whole = renderWeeklyReport(s, { timeZone: "UTC" })
    // The long timezone and footer put the embed some 860 characters over: the responder list,
    // the longest field, gives up its later lines; every other field, Definitions too, stays whole.
    const e = renderWeeklyReport(s, { timeZone: "Z".repeat(2800), footerText: "f".repeat(2048) })
    expect(field(e, "CRT Responders")).toBe(
      [
        "1. <@900000000000000000> — 1 acknowledgement, 1 first response",
        "2. <@900000000000000001> — 1 acknowledgement, 1 first response",
        "… and 28 more",
      ].join("\n"),
    )
    for (const f of e.fields.filter((x) => !x.name.includes("CRT Responders"))) {
      expect(f.value, f.name).toBe(field(whole, f.name))
    }
    expectWithinLimits(e)
  })

  it("stops cutting once every field is down to “…”, even if the title, description and footer pass 6000", () => {
    const e = renderWeeklyReport(empty7, { timeZone: "Z".repeat(4000), footerText: "f".repeat(2048) })
    expect(e.fields.map((f) => f.value)).toEqual(e.fields.map(() => "…"))
    expect(e.description).toBe(
      `Week of January 05, 2026 – January 11, 2026\nDays and hours in ${"Z".repeat(4000)}.`,
    )
    expect(e.footer.text).toBe("f".repeat(2048))
  })

  it("shrinks the longest field, whole lines at a time, when the embed would pass 6000", () => {
    const crowd: DailyAggregate = {
      ...empty,
      responders: new Map(
        Array.from({ length: 200 }, (_, i) => [
          `${10_000_000_000_000_000 + i}`,
          new Map([
            ["acknowledgements", 1],
            ["firstResponses", 1],
          ] as const),
        ]),
      ),
    }
    const s = summarize({
      days: [{ day: "2026-01-05", aggregate: crowd }],
      previous: empty,
      targets,
      topN: 200,
    })
    // A timezone name this long is impossible, but it is what makes every part long at once.
    const e = renderWeeklyReport(s, { timeZone: "Z".repeat(3000), footerText: "f".repeat(2048) })
    expect(size(e)).toBeLessThanOrEqual(EMBED_LIMITS.total)
    // Cut to fit, not emptied: the report keeps most of what fits.
    expect(size(e)).toBeGreaterThan(EMBED_LIMITS.total - 1_100)
    expect(e.fields.some((f) => f.value.endsWith("…") || / more$/.test(f.value))).toBe(true)
    expectWithinLimits(e)
  })
})

describe("fitLines at its edges", () => {
  it("keeps text exactly at the limit, and drops lines until the rest and its count fit", () => {
    expect(fitLines(["abc", "def"], 7)).toBe("abc\ndef")
    const [a, b, c] = ["a".repeat(20), "b".repeat(20), "c".repeat(20)] as const
    expect(fitLines([a, b, c], `${a}\n${b}\n… and 1 more`.length)).toBe(`${a}\n${b}\n… and 1 more`)
    expect(fitLines([a, b, c], `${a}\n… and 2 more`.length)).toBe(`${a}\n… and 2 more`)
    const tooShort = `${a}\n… and 2 more`.length - 1
    expect(fitLines([a, b, c], tooShort)).toBe(`${[a, b, c].join("\n").slice(0, tooShort - 1)}…`)
    expect(fitLines(["abcdefgh"], 5)).toBe("abcd…")
    expect(fitLines(["abc", "def"], 1)).toBe("…")
  })
})
