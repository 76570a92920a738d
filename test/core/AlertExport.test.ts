import { describe, expect, it } from "@effect/vitest"
import {
  EXPORT_COLUMNS,
  type ExportFormat,
  exportHead,
  exportLine,
  exportRow,
  exportTail,
} from "../../src/core/AlertExport.js"
import { alertsArb } from "../support/lifecycle.js"
import { runs } from "../support/properties.js"
import { U1, U2, WEEK_ALERTS } from "./reportFixture.js"

const pseudonym = (id: string) => `p_${id.length}_${id.slice(-2)}`
const fileOf = (format: ExportFormat, alerts: typeof WEEK_ALERTS) =>
  exportHead(format) +
  alerts.map((a, i) => exportLine(format, exportRow(a, pseudonym), i === 0)).join("") +
  exportTail(format)

describe("the alert export", () => {
  it("has a column for each alert fact and each milestone's time, actor, duration and details", () => {
    expect(EXPORT_COLUMNS.slice(0, 8)).toEqual([
      "alert_id",
      "day",
      "hour",
      "created_at",
      "severity",
      "raised_to",
      "escalated",
      "member",
    ])
    expect(EXPORT_COLUMNS).toEqual(
      expect.arrayContaining([
        "acknowledged_at",
        "acknowledged_by",
        "acknowledged_after_ms",
        "ash_contacted_mode",
        "ash_contacted_via",
        "responded_detection",
        "closed_reason",
        "closed_unanswered",
        "unanswered",
      ]),
    )
    expect(EXPORT_COLUMNS.some((c) => c.endsWith("thread_id"))).toBe(false)
  })

  it("writes a handled alert's row: milestones in order, people as pseudonyms", () => {
    const [first] = WEEK_ALERTS
    if (first === undefined) throw new Error("fixture")
    const row = Object.fromEntries(EXPORT_COLUMNS.map((c, i) => [c, exportRow(first, pseudonym)[i]]))
    expect(row).toMatchObject({
      alert_id: pseudonym("alert_000000000001"),
      day: "2026-01-05",
      hour: 14,
      created_at: "2026-01-05T14:10:00.000Z",
      severity: "critical",
      raised_to: null,
      member: pseudonym("2"),
      acknowledged_at: "2026-01-05T14:11:00.000Z",
      acknowledged_by: pseudonym(U1),
      acknowledged_after_ms: 60_000,
      ash_contacted_mode: "manual",
      ash_contacted_via: "dm",
      responded_by: pseudonym(U2),
      responded_detection: "thread_message",
      responded_after_ms: 300_000,
      closed_reason: "resolved",
      closed_unanswered: false,
      unanswered: false,
    })
  })

  it("hashes whoever acted unless it was the bot itself, whatever the id looks like; times to the minute", () => {
    const [first] = WEEK_ALERTS
    if (first === undefined) throw new Error("fixture")
    const acked = first.milestones.acknowledged
    if (acked === null) throw new Error("fixture")
    const odd = {
      ...first,
      createdAt: first.createdAt + 59_999,
      milestones: { ...first.milestones, acknowledged: { ...acked, by: "crt-1" } },
    }
    const row = Object.fromEntries(EXPORT_COLUMNS.map((c, i) => [c, exportRow(odd, pseudonym)[i]]))
    expect(row.acknowledged_by).toBe(pseudonym("crt-1"))
    expect(row.created_at).toBe("2026-01-05T14:10:00.000Z")
    expect(row.acknowledged_after_ms).toBe(60_000)
  })

  it("leaves an unreached milestone's cells empty, and keeps an automatic actor's word", () => {
    const expired = WEEK_ALERTS[2]
    const auto = WEEK_ALERTS[3]
    if (expired === undefined || auto === undefined) throw new Error("fixture")
    const rowOf = (a: typeof expired) =>
      Object.fromEntries(EXPORT_COLUMNS.map((c, i) => [c, exportRow(a, pseudonym)[i]]))
    expect(rowOf(expired)).toMatchObject({
      acknowledged_at: null,
      closed_reason: "expired",
      unanswered: true,
    })
    expect(rowOf(auto)).toMatchObject({ ash_contacted_by: "auto", ash_contacted_mode: "auto" })
  })

  it.prop(
    "CSV has one line per alert with every column; JSON parses to one record per alert",
    [alertsArb(15)],
    ([alerts]) => {
      const csv = fileOf("csv", alerts).split("\n")
      expect(csv[0]).toBe(EXPORT_COLUMNS.join(","))
      expect(csv).toHaveLength(alerts.length + 2)
      for (const line of csv.slice(1, -1)) expect(line.split(",")).toHaveLength(EXPORT_COLUMNS.length)
      const json = JSON.parse(fileOf("json", alerts)) as ReadonlyArray<Record<string, unknown>>
      expect(json.map((r) => r.alert_id)).toEqual(alerts.map((a) => pseudonym(a.id)))
      for (const record of json) expect(Object.keys(record)).toEqual(EXPORT_COLUMNS)
      // People appear only as pseudonyms (or an automatic actor's word), never as their id.
      const people = EXPORT_COLUMNS.flatMap((c, i) => (c === "member" || c.endsWith("_by") ? [i] : []))
      for (const line of csv.slice(1, -1)) {
        const cells = line.split(",")
        for (const i of people) expect(cells[i] ?? "").toMatch(/^(p_.*|auto|clock|)$/)
      }
    },
    runs(50),
  )
})
