import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { FIELD } from "../../src/core/AggregateFields.js"
import { decodeCustomId, encodeCustomId } from "../../src/core/CustomId.js"
import { BUCKET_COUNT } from "../../src/core/Histogram.js"
import {
  BUTTONS,
  CLOCKS,
  COUNTERS,
  DECLARATIONS,
  EVENTS,
  MILESTONE_LIST,
  MILESTONES,
  RESPONDER_ROLES,
} from "../../src/core/milestones/Milestones.js"
import { ALERT_SEVERITIES } from "../../src/core/Severity.js"
import { alertId } from "../support/alerts.js"

const duplicates = (names: ReadonlyArray<string>): ReadonlyArray<string> =>
  names.filter((n, i) => names.indexOf(n) !== i)

/** What a new declaration must get right for the derived parts to work; each check names the culprit. */
describe("the milestone declarations", () => {
  it("keep the lifecycle's state names, closing last", () => {
    expect(["created", ...MILESTONE_LIST.map((m) => m.state)]).toEqual([
      "created",
      "acknowledged",
      "ash_contacted",
      "responded",
      "closed",
    ])
    expect(MILESTONE_LIST.filter((m) => m.terminal).map((m) => m.key)).toEqual(["closed"])
    for (const [key, m] of Object.entries(MILESTONES)) expect(m.key).toBe(key)
  })

  it("declare every event once", () => {
    const tags = DECLARATIONS.flatMap((d) => Object.keys(d.events))
    expect(duplicates(tags)).toEqual([])
    expect(EVENTS.size).toBe(tags.length)
  })

  it("give every button its own action and place, in a form custom_ids carry", () => {
    expect(duplicates(BUTTONS.map((b) => b.action))).toEqual([])
    expect(duplicates(BUTTONS.map((b) => String(b.position)))).toEqual([])
    // Discord's limit on a button's label; no room for more than 25 buttons in 5 rows.
    for (const b of BUTTONS) expect(b.label.length, b.label).toBeGreaterThan(0)
    for (const b of BUTTONS) expect(b.label.length, b.label).toBeLessThanOrEqual(80)
    expect(BUTTONS.length).toBeLessThanOrEqual(25)
    for (const b of BUTTONS) {
      const decoded = decodeCustomId(encodeCustomId(b.action, alertId(7)))
      expect(Either.isRight(decoded) && decoded.right.action, `button ${b.label}`).toBe(b.action)
    }
  })

  it("give every counter, clock and responder field of the daily hash its own name", () => {
    const clockFields = CLOCKS.flatMap((c) => [
      FIELD.clockCount(c.name),
      FIELD.clockSum(c.name),
      FIELD.clockMin(c.name),
      FIELD.clockMax(c.name),
      ...Array.from({ length: BUCKET_COUNT }, (_, i) => FIELD.clockBucket(c.name, i)),
    ])
    const fixed = [
      ...ALERT_SEVERITIES.map((s) => FIELD.severity[s]),
      ...Array.from({ length: 24 }, (_, h) => FIELD.hour(h)),
    ]
    const fields = [...COUNTERS.map((c) => c.field), ...clockFields, ...fixed]
    expect(duplicates(COUNTERS.map((c) => c.name))).toEqual([])
    expect(duplicates(CLOCKS.map((c) => c.name))).toEqual([])
    expect(duplicates(fields)).toEqual([])
    // A responder field is its prefix and a member id: no prefix may start another field.
    for (const r of RESPONDER_ROLES) {
      const clashes = [...fields, ...RESPONDER_ROLES.filter((o) => o !== r).map((o) => o.fieldPrefix)].filter(
        (f) => f.startsWith(r.fieldPrefix) || r.fieldPrefix.startsWith(f),
      )
      expect(clashes, `responder prefix ${r.fieldPrefix}`).toEqual([])
    }
  })
})

describe("the daily hash", () => {
  it("keeps its field names, which a year of stored days depends on", () => {
    expect(COUNTERS.map((c) => [c.name, c.field])).toEqual([
      ["acknowledged", "acknowledged_count"],
      ["ashContacted", "ash_sessions_count"],
      ["ashManual", "ash_manual_count"],
      ["ashAuto", "auto_initiated_count"],
      ["contactFailed", "contact_failed_count"],
      ["responded", "responded_count"],
      ["resolved", "resolved_count"],
      ["expired", "expired_count"],
      ["unanswered", "unanswered_count"],
      ["totalAlerts", "total_alerts"],
      ["escalated", "escalated_count"],
      ["optedOut", "user_optout_count"],
      ["raised", "raised_count"],
    ])
    expect(CLOCKS.map((c) => c.name)).toEqual([
      "acknowledge",
      "ash_contact",
      "first_response",
      "alert_latency",
    ])
    expect(RESPONDER_ROLES.map((r) => [r.role, r.fieldPrefix])).toEqual([
      ["acknowledgements", "responder_ack:"],
      ["firstResponses", "responder_first_response:"],
    ])
    expect(ALERT_SEVERITIES.map((s) => FIELD.severity[s])).toEqual([
      "severity_medium",
      "severity_high",
      "severity_critical",
    ])
  })
})
