import { describe, expect, it } from "@effect/vitest"
import { addDays } from "../../src/core/Calendar.js"
import { creditOf, empty, recompute } from "../../src/core/DailyAggregate.js"
import { type DayAggregate, summarize } from "../../src/core/WeeklySummary.js"
import { alertsArb } from "../support/lifecycle.js"
import { runs } from "../support/properties.js"
import { daysOf, mergedOf, PREVIOUS_ALERTS, U1, U2, U3, WEEK_ALERTS } from "./reportFixture.js"

const targets = { acknowledge: 300_000, ash_contact: 120_000, first_response: 900_000 }
const week = () => summarize({ days: daysOf(WEEK_ALERTS), previous: mergedOf(PREVIOUS_ALERTS), targets })

describe("summarize", () => {
  it("totals the week by severity, day, state and Ash contact mode", () => {
    const s = week()
    expect(s.startDay).toBe("2026-01-05")
    expect(s.endDay).toBe("2026-01-11")
    expect(s.totalAlerts).toBe(4)
    expect(s.bySeverity).toEqual({ medium: 1, high: 2, critical: 1 })
    expect(s.escalated).toBe(1)
    expect(s.byDay.map((d) => d.alerts)).toEqual([2, 2, 0, 0, 0, 0, 0])
    expect([s.acknowledged, s.responded, s.resolved, s.expired, s.unanswered]).toEqual([3, 2, 2, 1, 1])
    expect(s.ash).toEqual({ contacted: 2, manual: 1, auto: 1, optedOut: 0, contactFailed: 0 })
  })

  it("counts each day by severity, and covers every hour of the day with its acknowledgements", () => {
    const s = week()
    expect(s.byDay[0]).toEqual({
      day: "2026-01-05",
      alerts: 2,
      bySeverity: { medium: 0, high: 1, critical: 1 },
    })
    expect(s.byDay[1]?.bySeverity).toEqual({ medium: 1, high: 1, critical: 0 })
    expect(s.coverageClock).toBe("acknowledge")
    expect(s.coverage).toHaveLength(24)
    // 14:xx: acknowledged after 60 s and 120 s; the median is the first one's bucket (≤ 64 s).
    expect(s.coverage[14]).toEqual({ hour: 14, alerts: 2, n: 2, medianMs: 64_000 })
    // 09:xx: two alerts, one acknowledged after 200 s (bucket ≤ 256 s).
    expect(s.coverage[9]).toEqual({ hour: 9, alerts: 2, n: 1, medianMs: 256_000 })
    expect(s.coverage[10]).toEqual({ hour: 10, alerts: 0, n: 0, medianMs: null })
    expect(s.clocks.get("acknowledge")?.buckets.reduce((a, b) => a + b, 0)).toBe(3)
  })

  it.prop(
    "has as many hourly samples as the clock has, hour by hour as recomputed",
    [alertsArb(20)],
    ([alerts]) => {
      const days = [...recompute(alerts)].map(([day, aggregate]) => ({ day, aggregate }))
      const [first, ...rest] = days
      if (first === undefined) return
      const s = summarize({ days: [first, ...rest], previous: empty, targets })
      const acknowledged = alerts.filter((a) => a.milestones.acknowledged !== null)
      expect(s.coverage.reduce((n, h) => n + h.n, 0)).toBe(acknowledged.length)
      for (const h of s.coverage) {
        expect(h.n).toBe(acknowledged.filter((a) => a.hour === h.hour).length)
        expect(h.alerts).toBe(alerts.filter((a) => a.hour === h.hour).length)
      }
    },
    runs(50),
  )

  it("breaks peak ties toward the earliest day and hour", () => {
    const s = week()
    expect(s.peakDay).toEqual({ day: "2026-01-05", alerts: 2 })
    // Hours 09 and 14 both have two alerts.
    expect(s.peakHour).toEqual({ hour: 9, alerts: 2 })
  })

  it("averages each clock over its samples and measures the share within target", () => {
    const clocks = week().clocks
    const acknowledge = clocks.get("acknowledge")
    expect(acknowledge?.n).toBe(3)
    expect(acknowledge?.averageMs).toBeCloseTo(126_666.667, 2)
    expect(acknowledge?.withinTarget).toBe(1)
    expect(clocks.get("ash_contact")).toMatchObject({
      n: 2,
      averageMs: 135_000,
      targetMs: 120_000,
      withinTarget: 0.5,
    })
    expect(clocks.get("first_response")).toMatchObject({ n: 2, averageMs: 450_000, withinTarget: 1 })
    expect(clocks.get("alert_latency")).toMatchObject({
      n: 4,
      averageMs: 2_000,
      targetMs: null,
      withinTarget: null,
    })
  })

  it("withholds percentiles below minSamples and reports them from the histogram above", () => {
    const withheld = week().clocks.get("acknowledge")
    expect(withheld).toMatchObject({ p50Ms: null, p90Ms: null, percentilesWithheld: true })
    const s = summarize({ days: daysOf(WEEK_ALERTS), previous: empty, targets, minSamples: 2 })
    // Samples 60 s, 120 s, 200 s: the median's bucket ends at 128 s; p90 is clamped to the maximum.
    expect(s.clocks.get("acknowledge")).toMatchObject({
      p50Ms: 128_000,
      p90Ms: 200_000,
      percentilesWithheld: false,
    })
    expect(s.clocks.get("first_response")).toMatchObject({ p50Ms: 362_039, p90Ms: 600_000 })
  })

  it("ranks responders by acknowledgements plus first responses, ties by id", () => {
    const credited = week().topResponders.map((r) => ({
      id: r.id,
      acknowledgements: creditOf(r.credits, "acknowledgements"),
      firstResponses: creditOf(r.credits, "firstResponses"),
      total: r.total,
    }))
    expect(credited).toEqual([
      { id: U1, acknowledgements: 2, firstResponses: 1, total: 3 },
      { id: U3, acknowledgements: 1, firstResponses: 0, total: 1 },
      { id: U2, acknowledgements: 0, firstResponses: 1, total: 1 },
    ])
    const top1 = summarize({ days: daysOf(WEEK_ALERTS), previous: empty, targets, topN: 1 })
    expect(top1.topResponders.map((r) => r.id)).toEqual([U1])
  })

  it("compares with the previous week, null where either week has no samples", () => {
    const { totalAlerts, averageMs } = week().change
    expect(totalAlerts).toEqual({ current: 4, previous: 2, absolute: 2, percent: 100 })
    expect(averageMs.get("acknowledge")?.previous).toBe(180_000)
    expect(averageMs.get("acknowledge")?.absolute).toBeCloseTo(-53_333.333, 2)
    expect(averageMs.get("acknowledge")?.percent).toBeCloseTo(-29.63, 2)
    expect(averageMs.get("ash_contact")).toBeNull()
    expect(averageMs.get("first_response")).toBeNull()
    expect(averageMs.get("alert_latency")).toEqual({
      current: 2_000,
      previous: 2_000,
      absolute: 0,
      percent: 0,
    })
    const fromNothing = summarize({ days: daysOf(WEEK_ALERTS), previous: empty, targets }).change.totalAlerts
    expect(fromNothing).toEqual({ current: 4, previous: 0, absolute: 4, percent: null })
  })

  it("lists every day of the period even when the caller leaves days out", () => {
    const [mon] = daysOf(WEEK_ALERTS)
    const s = summarize({ days: [{ day: "2026-01-11", aggregate: empty }, mon], previous: empty, targets })
    expect(s.byDay.map((d) => d.day)).toEqual([
      "2026-01-05",
      "2026-01-06",
      "2026-01-07",
      "2026-01-08",
      "2026-01-09",
      "2026-01-10",
      "2026-01-11",
    ])
    expect(s.totalAlerts).toBe(2)
  })

  it("has nothing to report for an empty week", () => {
    const s = summarize({ days: daysOf([]), previous: empty, targets })
    expect(s.totalAlerts).toBe(0)
    expect(s.byDay).toHaveLength(7)
    expect(s.peakDay).toBeNull()
    expect(s.peakHour).toBeNull()
    expect(s.topResponders).toEqual([])
    for (const c of Object.values(s.clocks)) {
      expect(c).toMatchObject({
        n: 0,
        averageMs: null,
        p50Ms: null,
        withinTarget: null,
        percentilesWithheld: false,
      })
    }
    expect(s.change.totalAlerts.percent).toBeNull()
  })

  it.prop(
    "agrees with the raw alerts: totals, by-day counts and the peak day",
    [alertsArb(40)],
    ([alerts]) => {
      const byDay = recompute(alerts)
      const first = "2026-01-01"
      const days: [DayAggregate, ...Array<DayAggregate>] = [
        { day: first, aggregate: byDay.get(first) ?? empty },
      ]
      for (let i = 1; i < 7; i++) {
        const day = addDays(first, i)
        days.push({ day, aggregate: byDay.get(day) ?? empty })
      }
      const s = summarize({ days, previous: empty, targets })
      expect(s.totalAlerts).toBe(alerts.length)
      expect(s.byDay.reduce((sum, d) => sum + d.alerts, 0)).toBe(alerts.length)
      expect(s.unanswered).toBe(alerts.filter((a) => a.milestones.closed?.unanswered === true).length)
      const acks = alerts.filter((a) => a.milestones.acknowledged !== null)
      expect(s.clocks.get("acknowledge")?.n).toBe(acks.length)
      if (acks.length > 0) {
        const mean =
          acks.reduce((sum, a) => sum + (a.milestones.acknowledged?.elapsedMs ?? 0), 0) / acks.length
        expect(s.clocks.get("acknowledge")?.averageMs).toBeCloseTo(mean, 6)
      }
      const counts = s.byDay.map((d) => d.alerts)
      const most = Math.max(...counts)
      expect(s.peakDay?.day ?? null).toBe(most === 0 ? null : (s.byDay[counts.indexOf(most)]?.day ?? null))
    },
    runs(200),
  )
})

describe("responder ranking", () => {
  const credits = (acks: number, firsts: number) =>
    new Map([
      ["acknowledgements", acks],
      ["firstResponses", firsts],
    ] as const)
  const rank = (responders: ReadonlyArray<readonly [string, number, number]>) => {
    const aggregate = { ...empty, responders: new Map(responders.map(([id, a, f]) => [id, credits(a, f)])) }
    return summarize({
      days: [{ day: "2026-01-05", aggregate }],
      previous: empty,
      targets,
    }).topResponders.map((r) => r.id)
  }

  it("counts a first response as much as an acknowledgement", () => {
    expect(
      rank([
        ["300", 2, 0],
        ["200", 0, 3],
        ["100", 1, 0],
      ]),
    ).toEqual(["200", "300", "100"])
  })

  it("breaks ties by member id in numeric order", () => {
    expect(
      rank([
        ["100", 1, 1],
        ["99", 2, 0],
        ["101", 0, 2],
      ]),
    ).toEqual(["99", "100", "101"])
  })
})

describe("the period's days", () => {
  const labels = (days: ReadonlyArray<string>) => {
    const [first, ...rest] = days.map((day) => ({ day, aggregate: empty }))
    if (first === undefined) throw new Error("days expected")
    return summarize({ days: [first, ...rest], previous: empty, targets }).byDay.map((d) => d.day)
  }

  it("fills the gaps between the first and the last day, in order", () => {
    expect(labels(["2026-01-07", "2026-01-05"])).toEqual(["2026-01-05", "2026-01-06", "2026-01-07"])
    expect(labels(["2026-01-05"])).toEqual(["2026-01-05"])
  })

  it("keeps days it cannot read as they are, without filling anything", () => {
    expect(labels(["2026-01-05x", "2026-01-07"])).toEqual(["2026-01-05x", "2026-01-07"])
    expect(labels(["2026-01-05", "x2026-01-07"])).toEqual(["2026-01-05", "x2026-01-07"])
  })

  it("puts a day it cannot read in its place among the filled days", () => {
    expect(labels(["2026-01-07", "2026-01-05x", "2026-01-05"])).toEqual([
      "2026-01-05",
      "2026-01-05x",
      "2026-01-06",
      "2026-01-07",
    ])
  })
})

describe("clocks without samples", () => {
  it("withhold nothing and report no percentile", () => {
    const s = summarize({ days: daysOf([]), previous: empty, targets, minSamples: 0 })
    for (const c of s.clocks.values()) {
      expect(c).toMatchObject({ n: 0, averageMs: null, p50Ms: null, p90Ms: null, percentilesWithheld: false })
    }
  })
})

describe("responders with ids of one length", () => {
  it("are ordered by id when their totals tie", () => {
    const aggregate = {
      ...empty,
      responders: new Map(
        ["103", "101", "104", "100", "102"].map((id) => [
          id,
          new Map([
            ["acknowledgements", 1],
            ["firstResponses", 0],
          ] as const),
        ]),
      ),
    }
    const s = summarize({ days: [{ day: "2026-01-05", aggregate }], previous: empty, targets })
    expect(s.topResponders.map((r) => r.id)).toEqual(["100", "101", "102", "103", "104"])
  })
})
