import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import type { Alert } from "../../src/core/Alert.js"
import {
  CONTACT_REQUEST_LEASE_MS,
  type LifecycleEvent,
  type Rejection,
  transition,
} from "../../src/core/Lifecycle.js"
import type { ContactChannel } from "../../src/core/milestones/AshContacted.js"
import type { ResponseDetection } from "../../src/core/milestones/Responded.js"
import type { AlertSeverity } from "../../src/core/Severity.js"
import { created, T0 } from "../support/alerts.js"
import { scaledRuns } from "../support/properties.js"

/**
 * Model-based test of the lifecycle: arbitrary event sequences at arbitrary (also skewed) times run
 * against the real transition and against a deliberately naive model of what the CRT expects.
 */

interface Stamp {
  readonly by: string
  readonly at: number
}

interface Model {
  now: number
  acknowledged: Stamp | null
  contacted:
    | (Stamp & {
        readonly mode: "manual" | "auto"
        readonly via: ContactChannel
        readonly threadId: string | null
      })
    | null
  pending: (Stamp & { readonly mode: "manual" | "auto" }) | null
  responded: (Stamp & { readonly detection: ResponseDetection }) | null
  closed: (Stamp & { readonly reason: "resolved" | "expired"; readonly unanswered: boolean }) | null
  optedOut: boolean
  renotified: boolean
  severity: AlertSeverity
  raisedFrom: AlertSeverity | null
  autoContactAt: number | null
  renotifyAt: number | null
  expireAt: number
}

interface Real {
  alert: Alert
}

type Expected = { readonly ok: true } | { readonly ok: false; readonly rejection: Rejection }

const accept: Expected = { ok: true }
const refuse = (rejection: Rejection): Expected => ({ ok: false, rejection })
const elapsed = (at: number) => Math.max(0, at - T0)
/** What the alert records of a milestone reached at `s.at` by `s.by`. */
const reached = (s: Stamp) => ({ at: s.at, by: s.by, elapsedMs: elapsed(s.at), skewed: s.at < T0 })

/** What the model says the event should do, before it happens. */
const expectedOutcome = (m: Model, e: LifecycleEvent): Expected => {
  if (m.closed !== null) {
    const c = m.closed
    return refuse({
      _tag: "AlreadyReached",
      milestone: "closed",
      reached: { ...reached(c), reason: c.reason, unanswered: c.unanswered },
    })
  }
  const contacted = (): Rejection | null =>
    m.contacted === null
      ? null
      : {
          _tag: "AlreadyReached",
          milestone: "ashContacted",
          reached: {
            ...reached(m.contacted),
            mode: m.contacted.mode,
            via: m.contacted.via,
            threadId: m.contacted.threadId,
          },
        }
  const inFlight = (): Rejection | null =>
    m.pending !== null && m.now - m.pending.at < CONTACT_REQUEST_LEASE_MS
      ? { _tag: "ContactInProgress", by: m.pending.by, at: m.pending.at }
      : null
  switch (e._tag) {
    case "Acknowledge":
      return m.acknowledged === null
        ? accept
        : refuse({ _tag: "AlreadyReached", milestone: "acknowledged", reached: reached(m.acknowledged) })
    case "RequestAshContact":
      return refuseFirst([contacted(), m.optedOut ? { _tag: "OptedOut" } : null, inFlight()])
    case "AutoContactDue":
      if (m.autoContactAt === null || m.now < m.autoContactAt)
        return refuse({ _tag: "NotDue", dueAt: m.autoContactAt })
      return refuseFirst([
        contacted(),
        m.acknowledged !== null ? { _tag: "NotNeeded", because: "acknowledged" } : null,
        m.responded !== null ? { _tag: "NotNeeded", because: "responded" } : null,
        m.optedOut ? { _tag: "OptedOut" } : null,
        inFlight(),
      ])
    case "AshContactMade":
      return m.pending === null ? refuse({ _tag: "NoContactPending" }) : refuseFirst([contacted()])
    case "AshContactFailed":
      return m.pending === null ? refuse({ _tag: "NoContactPending" }) : accept
    case "FirstResponse":
      return m.responded === null
        ? accept
        : refuse({
            _tag: "AlreadyReached",
            milestone: "responded",
            reached: { ...reached(m.responded), detection: m.responded.detection },
          })
    case "Resolve":
      return accept
    case "Expire":
      return m.now < m.expireAt ? refuse({ _tag: "NotDue", dueAt: m.expireAt }) : accept
    case "RenotifyDue":
      if (m.renotifyAt === null || m.now < m.renotifyAt)
        return refuse({ _tag: "NotDue", dueAt: m.renotifyAt })
      return refuseFirst([
        m.renotified ? { _tag: "AlreadyRenotified" } : null,
        m.acknowledged !== null ? { _tag: "NotNeeded", because: "acknowledged" } : null,
        m.responded !== null ? { _tag: "NotNeeded", because: "responded" } : null,
      ])
    case "MemberOptedOut":
      return m.optedOut ? refuse({ _tag: "AlreadyOptedOut" }) : accept
    case "RepeatSuppressed":
      return accept
    case "SeverityRaised":
      return RANK[e.severity] > RANK[m.severity]
        ? accept
        : refuse({ _tag: "NotHigher", severity: e.severity })
    case "MemberWroteToAsh":
      return accept
  }
}

const RANK: Readonly<Record<AlertSeverity, number>> = { medium: 0, high: 1, critical: 2 }

const refuseFirst = (candidates: ReadonlyArray<Rejection | null>): Expected => {
  const first = candidates.find((c) => c !== null)
  return first === undefined ? accept : refuse(first)
}

/** How the model moves when the event is accepted. */
const evolve = (m: Model, e: LifecycleEvent): void => {
  const stamp = (by: string): Stamp => ({ by, at: m.now })
  switch (e._tag) {
    case "Acknowledge":
      m.acknowledged = stamp(e.by)
      return
    case "RequestAshContact":
      m.pending = { ...stamp(e.by), mode: "manual" }
      return
    case "AutoContactDue":
      m.pending = { ...stamp("auto"), mode: "auto" }
      return
    case "AshContactMade":
      if (m.pending !== null)
        m.contacted = { by: m.pending.by, mode: m.pending.mode, at: m.now, via: e.via, threadId: e.threadId }
      m.pending = null
      return
    case "AshContactFailed":
      m.pending = null
      return
    case "FirstResponse":
      m.responded = { ...stamp(e.by), detection: e.detection }
      return
    case "Resolve":
      m.closed = { ...stamp(e.by), reason: "resolved", unanswered: m.responded === null }
      m.pending = null
      return
    case "Expire":
      m.closed = { ...stamp("clock"), reason: "expired", unanswered: m.responded === null }
      m.pending = null
      return
    case "RenotifyDue":
      m.renotified = true
      return
    case "MemberOptedOut":
      m.optedOut = true
      m.pending = null
      return
    case "RepeatSuppressed":
      return
    case "SeverityRaised":
      m.raisedFrom = m.raisedFrom ?? m.severity
      m.severity = e.severity
      return
    case "MemberWroteToAsh":
      return
  }
}

class EventCommand implements fc.Command<Model, Real> {
  constructor(readonly event: LifecycleEvent) {}
  check = () => true
  run(m: Model, r: Real): void {
    const before = r.alert
    const expected = expectedOutcome(m, this.event)
    const result = transition(before, this.event, m.now)
    if (!expected.ok) {
      expect(result).toEqual(Either.left(expected.rejection))
      return
    }
    if (Either.isLeft(result))
      throw new Error(`${this.event._tag} refused with ${result.left._tag}, model accepts`)
    const after = result.right.alert
    expect(after.version).toBe(before.version + 1)
    // Milestones are set once: whatever was reached before stays exactly as it was.
    for (const key of ["acknowledged", "ashContacted", "responded", "closed"] as const) {
      if (before.milestones[key] !== null) expect(after.milestones[key]).toEqual(before.milestones[key])
    }
    for (const milestone of Object.values(after.milestones)) {
      if (milestone === null) continue
      expect(milestone.elapsedMs).toBeGreaterThanOrEqual(0)
      expect(milestone.skewed).toBe(milestone.at < after.createdAt)
      expect(milestone.elapsedMs).toBe(Math.max(0, milestone.at - after.createdAt))
    }
    const contacts = result.right.effects.filter((eff) => eff._tag === "ContactMember")
    if (this.event._tag === "AutoContactDue") {
      // The model only lets this through when due, unacknowledged, uncontacted and not opted out.
      expect(contacts).toEqual([{ _tag: "ContactMember", mode: "auto" }])
    } else if (this.event._tag !== "RequestAshContact") {
      expect(contacts).toEqual([])
    }
    // A contact by DM opens the relay; closing closes it; nothing else touches it.
    const relay = result.right.effects.filter((eff) => eff._tag === "OpenRelay" || eff._tag === "CloseRelay")
    const relayExpected =
      this.event._tag === "AshContactMade" && this.event.via === "dm"
        ? [{ _tag: "OpenRelay" }]
        : this.event._tag === "Resolve" || this.event._tag === "Expire"
          ? [{ _tag: "CloseRelay" }]
          : []
    expect(relay).toEqual(relayExpected)
    evolve(m, this.event)
    expect(after.severity).toBe(m.severity)
    expect(after.raisedFrom).toBe(m.raisedFrom)
    expect(after.milestones.acknowledged?.by ?? null).toBe(m.acknowledged?.by ?? null)
    expect(after.milestones.ashContacted?.mode ?? null).toBe(m.contacted?.mode ?? null)
    expect(after.milestones.closed?.reason ?? null).toBe(m.closed?.reason ?? null)
    expect(after.optedOut).toBe(m.optedOut)
    r.alert = after
  }
  toString = () => JSON.stringify(this.event)
}

class AdvanceClock implements fc.Command<Model, Real> {
  constructor(readonly deltaMs: number) {}
  check = () => true
  run(m: Model): void {
    m.now = Math.max(0, m.now + this.deltaMs)
  }
  toString = () => `advance(${this.deltaMs})`
}

/** Moves the clock to just before, at, or just after one of the alert's deadlines. */
class JumpNearDeadline implements fc.Command<Model, Real> {
  constructor(
    readonly deadline: "autoContactAt" | "renotifyAt" | "expireAt",
    readonly offsetMs: number,
  ) {}
  check = () => true
  run(m: Model): void {
    const at = m[this.deadline]
    if (at !== null) m.now = at + this.offsetMs
  }
  toString = () => `jump(${this.deadline}${this.offsetMs >= 0 ? "+" : ""}${this.offsetMs})`
}

const member = fc.constantFrom("crt-1", "crt-2", "crt-3")
const via = fc.constantFrom<ContactChannel>("dm", "thread")
const detection = fc.constantFrom<ResponseDetection>(
  "thread_message",
  "source_reply",
  "source_mention",
  "self_reported",
  "relay",
)

const commands = [
  member.map((by) => new EventCommand({ _tag: "Acknowledge", by })),
  member.map((by) => new EventCommand({ _tag: "RequestAshContact", by })),
  fc.constant(new EventCommand({ _tag: "AutoContactDue" })),
  via.map(
    (v) =>
      new EventCommand({
        _tag: "AshContactMade",
        via: v,
        threadId: v === "thread" ? "1400000000000000001" : null,
      }),
  ),
  fc.constant(new EventCommand({ _tag: "AshContactFailed", reason: "dms closed" })),
  fc.tuple(member, detection).map(([by, d]) => new EventCommand({ _tag: "FirstResponse", by, detection: d })),
  member.map((by) => new EventCommand({ _tag: "Resolve", by })),
  fc.constant(new EventCommand({ _tag: "Expire" })),
  fc.constant(new EventCommand({ _tag: "RenotifyDue" })),
  fc.constant(new EventCommand({ _tag: "MemberOptedOut" })),
  fc.constant(new EventCommand({ _tag: "RepeatSuppressed" })),
  fc.constant(new EventCommand({ _tag: "MemberWroteToAsh" })),
  fc
    .constantFrom<AlertSeverity>("medium", "high", "critical")
    .map((severity) => new EventCommand({ _tag: "SeverityRaised", severity })),
  // Mostly forward, sometimes a skewed clock stamping an event before the alert was created.
  fc
    .oneof(
      fc.integer({ min: 0, max: 400_000 }),
      fc.integer({ min: 0, max: 30 * 3_600_000 }),
      fc.integer({ min: -5_000, max: 0 }),
    )
    .map((d) => new AdvanceClock(d)),
  fc
    .tuple(
      fc.constantFrom<"autoContactAt" | "renotifyAt" | "expireAt">("autoContactAt", "renotifyAt", "expireAt"),
      fc.integer({ min: -1_500, max: 1_500 }),
    )
    .map(([deadline, offset]) => new JumpNearDeadline(deadline, offset)),
]

describe("lifecycle model", () => {
  it("matches the model for arbitrary event sequences", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<AlertSeverity>("medium", "high", "critical"),
        fc.boolean(),
        fc.integer({ min: -3_000, max: 0 }),
        fc.commands(commands, { maxCommands: 60 }),
        (severity, optedOut, startSkew, cmds) => {
          const alert = created({ severity, optedOut })
          const model: Model = {
            now: T0 + startSkew,
            acknowledged: null,
            contacted: null,
            pending: null,
            responded: null,
            closed: null,
            optedOut,
            renotified: false,
            severity,
            raisedFrom: null,
            autoContactAt: alert.deadlines.autoContactAt,
            renotifyAt: alert.deadlines.renotifyAt,
            expireAt: alert.deadlines.expireAt,
          }
          fc.modelRun(() => ({ model, real: { alert } }), cmds)
        },
      ),
      { numRuns: scaledRuns(1_000) },
    )
  })
})
