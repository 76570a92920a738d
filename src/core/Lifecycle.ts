import { Either } from "effect"
import type {
  Alert,
  AlertId,
  AlertOrigin,
  AshContactMode,
  CloseReason,
  ContactChannel,
  Milestone,
  ResponseDetection,
} from "./Alert.js"
import type { AlertSeverity } from "./Severity.js"

// ---------------------------------------------------------------------------------------------
// Events: everything that can happen to an alert after it was posted.
// ---------------------------------------------------------------------------------------------

export type LifecycleEvent =
  /** A CRT member pressed Acknowledge. */
  | { readonly _tag: "Acknowledge"; readonly by: string }
  /** A CRT member pressed Talk to Ash: the shell should contact the member. */
  | { readonly _tag: "RequestAshContact"; readonly by: string }
  /** The auto-contact timer fired. */
  | { readonly _tag: "AutoContactDue" }
  /** The shell reached the member (DM or private thread) for the pending request. */
  | { readonly _tag: "AshContactMade"; readonly via: ContactChannel }
  /** The shell could not reach the member for the pending request. */
  | { readonly _tag: "AshContactFailed"; readonly reason: string }
  /** The first human message to the member was seen (or self-reported). */
  | { readonly _tag: "FirstResponse"; readonly by: string; readonly detection: ResponseDetection }
  /** A CRT member pressed Resolve. */
  | { readonly _tag: "Resolve"; readonly by: string }
  /** The expiry timer fired. */
  | { readonly _tag: "Expire" }
  /** The re-notify timer fired. */
  | { readonly _tag: "RenotifyDue" }
  /** The member said they prefer human support: Ash must never contact them. */
  | { readonly _tag: "MemberOptedOut" }
  /** Another flagged message from the member was suppressed by the cooldown. */
  | { readonly _tag: "RepeatSuppressed" }

export type LifecycleEventTag = LifecycleEvent["_tag"]

// ---------------------------------------------------------------------------------------------
// Effects: what the shell must do after persisting the next alert.
// ---------------------------------------------------------------------------------------------

export type TimerKind = "auto_contact" | "renotify" | "expire"

export type RenotifyReason = "unacknowledged" | "contact_failed" | "opted_out"

export type LifecycleEffect =
  /** Re-render the alert message (embed and buttons) from the new state. */
  | { readonly _tag: "UpdateAlertMessage" }
  /** Reach the member (DM, else a private thread) and report back with AshContactMade/Failed. */
  | { readonly _tag: "ContactMember"; readonly mode: AshContactMode }
  | { readonly _tag: "ScheduleTimer"; readonly kind: TimerKind; readonly dueAt: number }
  | { readonly _tag: "CancelTimer"; readonly kind: TimerKind }
  /** Ping the CRT again on the alert. */
  | { readonly _tag: "Renotify"; readonly reason: RenotifyReason }

// ---------------------------------------------------------------------------------------------
// Rejections: why an event changed nothing. Each names who and when where that applies.
// ---------------------------------------------------------------------------------------------

export type Rejection =
  | {
      readonly _tag: "AlreadyAcknowledged"
      readonly by: string
      readonly at: number
      readonly elapsedMs: number
    }
  | {
      readonly _tag: "AlreadyContacted"
      readonly by: string
      readonly mode: AshContactMode
      readonly at: number
      readonly elapsedMs: number
    }
  | { readonly _tag: "ContactInProgress"; readonly by: string; readonly at: number }
  | { readonly _tag: "NoContactPending" }
  | {
      readonly _tag: "AlreadyResponded"
      readonly by: string
      readonly at: number
      readonly elapsedMs: number
    }
  | {
      readonly _tag: "Closed"
      readonly reason: CloseReason
      readonly by: string
      readonly at: number
      readonly elapsedMs: number
    }
  | { readonly _tag: "OptedOut" }
  | { readonly _tag: "AlreadyOptedOut" }
  | { readonly _tag: "NotDue"; readonly dueAt: number | null }
  | { readonly _tag: "AlreadyRenotified" }
  | { readonly _tag: "NotNeeded"; readonly because: "acknowledged" | "contacted" | "responded" }

export interface Transition {
  readonly alert: Alert
  readonly effects: ReadonlyArray<LifecycleEffect>
}

// ---------------------------------------------------------------------------------------------
// Creation
// ---------------------------------------------------------------------------------------------

/** How long after creation each timer falls due. `null` turns a timer off. */
export interface LifecyclePolicy {
  readonly autoContactDelayMs: Readonly<Record<AlertSeverity, number | null>>
  readonly renotifyAfterMs: number | null
  readonly expireAfterMs: number
}

export interface NewAlert {
  readonly id: AlertId
  readonly origin: AlertOrigin
  readonly severity: AlertSeverity
  readonly escalated: boolean
  readonly channelSensitivity: number
  readonly crisisScore: number
  readonly messageAt: number
  readonly createdAt: number
  readonly day: string
  readonly hour: number
  readonly optedOut: boolean
}

/** A freshly posted alert and the timers the shell must schedule for it. */
export const createAlert = (input: NewAlert, policy: LifecyclePolicy): Transition => {
  const autoDelay = input.optedOut ? null : policy.autoContactDelayMs[input.severity]
  const deadlines = {
    autoContactAt: autoDelay === null ? null : input.createdAt + autoDelay,
    renotifyAt: policy.renotifyAfterMs === null ? null : input.createdAt + policy.renotifyAfterMs,
    expireAt: input.createdAt + policy.expireAfterMs,
  }
  const alert: Alert = {
    ...input,
    version: 0,
    deadlines,
    milestones: { acknowledged: null, ashContacted: null, responded: null, closed: null },
    contactRequest: null,
    contactFailures: 0,
    renotified: false,
    suppressedRepeats: 0,
  }
  const effects: Array<LifecycleEffect> = [
    { _tag: "ScheduleTimer", kind: "expire", dueAt: deadlines.expireAt },
  ]
  if (deadlines.autoContactAt !== null) {
    effects.push({ _tag: "ScheduleTimer", kind: "auto_contact", dueAt: deadlines.autoContactAt })
  }
  if (deadlines.renotifyAt !== null) {
    effects.push({ _tag: "ScheduleTimer", kind: "renotify", dueAt: deadlines.renotifyAt })
  }
  return { alert, effects }
}

// ---------------------------------------------------------------------------------------------
// Transition
// ---------------------------------------------------------------------------------------------

/** A milestone stamped `now`: whole milliseconds after creation, never negative. */
export const milestoneAt = (alert: Alert, by: string, now: number): Milestone => {
  const at = Math.max(0, Math.trunc(now))
  return { at, by, elapsedMs: Math.max(0, at - alert.createdAt), skewed: at < alert.createdAt }
}

/**
 * How long a contact request blocks another one. A process that died mid-contact must not leave
 * the member unreachable forever: after this the request may be made again.
 */
export const CONTACT_REQUEST_LEASE_MS = 120_000

const pendingRequest = (alert: Alert, now: number): Rejection | null => {
  const r = alert.contactRequest
  return r !== null && now - r.at < CONTACT_REQUEST_LEASE_MS
    ? { _tag: "ContactInProgress", by: r.by, at: r.at }
    : null
}

const reject = (rejection: Rejection): Either.Either<Transition, Rejection> => Either.left(rejection)

const next = (
  alert: Alert,
  changes: Partial<Omit<Alert, "version">>,
  effects: ReadonlyArray<LifecycleEffect>,
): Either.Either<Transition, Rejection> =>
  Either.right({ alert: { ...alert, ...changes, version: alert.version + 1 }, effects })

const UPDATE: LifecycleEffect = { _tag: "UpdateAlertMessage" }
const cancel = (kind: TimerKind): LifecycleEffect => ({ _tag: "CancelTimer", kind })

// Effect lists are shared constants: a transition allocates only the next alert.
const EFFECTS = {
  acknowledged: [UPDATE, cancel("auto_contact"), cancel("renotify")],
  contactRequested: [{ _tag: "ContactMember", mode: "manual" }, cancel("auto_contact")],
  autoContactDue: [{ _tag: "ContactMember", mode: "auto" }],
  contacted: [UPDATE, cancel("auto_contact")],
  contactFailed: [UPDATE, { _tag: "Renotify", reason: "contact_failed" }],
  responded: [UPDATE, cancel("auto_contact"), cancel("renotify")],
  resolved: [UPDATE, cancel("auto_contact"), cancel("renotify"), cancel("expire")],
  expired: [UPDATE, cancel("auto_contact"), cancel("renotify")],
  renotify: [{ _tag: "Renotify", reason: "unacknowledged" }],
  optedOut: [UPDATE, cancel("auto_contact"), { _tag: "Renotify", reason: "opted_out" }],
  updated: [UPDATE],
} as const satisfies Record<string, ReadonlyArray<LifecycleEffect>>

const alreadyContacted = (alert: Alert): Rejection | null => {
  const c = alert.milestones.ashContacted
  return c === null
    ? null
    : { _tag: "AlreadyContacted", by: c.by, mode: c.mode, at: c.at, elapsedMs: c.elapsedMs }
}

/**
 * The alert lifecycle (PRODUCT.md §3) as a pure function: the next alert and the effects the
 * shell must run, or why the event changes nothing. The shell persists, then executes.
 */
export const transition = (
  alert: Alert,
  event: LifecycleEvent,
  now: number,
): Either.Either<Transition, Rejection> => {
  const m = alert.milestones
  if (m.closed !== null) {
    return reject({
      _tag: "Closed",
      reason: m.closed.reason,
      by: m.closed.by,
      at: m.closed.at,
      elapsedMs: m.closed.elapsedMs,
    })
  }
  switch (event._tag) {
    case "Acknowledge": {
      // Allowed after Ash contact and after a response: acknowledging is never taken from the CRT.
      if (m.acknowledged !== null) {
        const a = m.acknowledged
        return reject({ _tag: "AlreadyAcknowledged", by: a.by, at: a.at, elapsedMs: a.elapsedMs })
      }
      return next(
        alert,
        { milestones: { ...m, acknowledged: milestoneAt(alert, event.by, now) } },
        EFFECTS.acknowledged,
      )
    }
    case "RequestAshContact": {
      const contacted = alreadyContacted(alert)
      if (contacted !== null) return reject(contacted)
      if (alert.optedOut) return reject({ _tag: "OptedOut" })
      const pending = pendingRequest(alert, now)
      if (pending !== null) return reject(pending)
      return next(
        alert,
        { contactRequest: { mode: "manual", by: event.by, at: Math.max(0, Math.trunc(now)) } },
        EFFECTS.contactRequested,
      )
    }
    case "AutoContactDue": {
      const due = alert.deadlines.autoContactAt
      if (due === null || now < due) return reject({ _tag: "NotDue", dueAt: due })
      const contacted = alreadyContacted(alert)
      if (contacted !== null) return reject(contacted)
      if (m.acknowledged !== null) return reject({ _tag: "NotNeeded", because: "acknowledged" })
      if (m.responded !== null) return reject({ _tag: "NotNeeded", because: "responded" })
      if (alert.optedOut) return reject({ _tag: "OptedOut" })
      const pending = pendingRequest(alert, now)
      if (pending !== null) return reject(pending)
      return next(
        alert,
        { contactRequest: { mode: "auto", by: "auto", at: Math.max(0, Math.trunc(now)) } },
        EFFECTS.autoContactDue,
      )
    }
    case "AshContactMade": {
      const request = alert.contactRequest
      if (request === null) return reject({ _tag: "NoContactPending" })
      const contacted = alreadyContacted(alert)
      if (contacted !== null) return reject(contacted)
      const { at, elapsedMs, skewed } = milestoneAt(alert, request.by, now)
      const milestone = { at, by: request.by, elapsedMs, skewed, mode: request.mode, via: event.via }
      return next(
        alert,
        { milestones: { ...m, ashContacted: milestone }, contactRequest: null },
        EFFECTS.contacted,
      )
    }
    case "AshContactFailed": {
      if (alert.contactRequest === null) return reject({ _tag: "NoContactPending" })
      return next(
        alert,
        { contactRequest: null, contactFailures: alert.contactFailures + 1 },
        EFFECTS.contactFailed,
      )
    }
    case "FirstResponse": {
      if (m.responded !== null) {
        const r = m.responded
        return reject({ _tag: "AlreadyResponded", by: r.by, at: r.at, elapsedMs: r.elapsedMs })
      }
      const { at, elapsedMs, skewed } = milestoneAt(alert, event.by, now)
      const responded = { at, by: event.by, elapsedMs, skewed, detection: event.detection }
      return next(alert, { milestones: { ...m, responded } }, EFFECTS.responded)
    }
    case "Resolve": {
      const { at, elapsedMs, skewed } = milestoneAt(alert, event.by, now)
      const closed = {
        at,
        by: event.by,
        elapsedMs,
        skewed,
        reason: "resolved" as const,
        unanswered: m.responded === null,
      }
      return next(alert, { milestones: { ...m, closed }, contactRequest: null }, EFFECTS.resolved)
    }
    case "Expire": {
      if (now < alert.deadlines.expireAt) return reject({ _tag: "NotDue", dueAt: alert.deadlines.expireAt })
      const { at, elapsedMs, skewed } = milestoneAt(alert, "clock", now)
      const closed = {
        at,
        by: "clock",
        elapsedMs,
        skewed,
        reason: "expired" as const,
        unanswered: m.responded === null,
      }
      return next(alert, { milestones: { ...m, closed }, contactRequest: null }, EFFECTS.expired)
    }
    case "RenotifyDue": {
      const due = alert.deadlines.renotifyAt
      if (due === null || now < due) return reject({ _tag: "NotDue", dueAt: due })
      if (alert.renotified) return reject({ _tag: "AlreadyRenotified" })
      if (m.acknowledged !== null) return reject({ _tag: "NotNeeded", because: "acknowledged" })
      if (m.responded !== null) return reject({ _tag: "NotNeeded", because: "responded" })
      return next(alert, { renotified: true }, EFFECTS.renotify)
    }
    case "MemberOptedOut": {
      if (alert.optedOut) return reject({ _tag: "AlreadyOptedOut" })
      return next(alert, { optedOut: true }, EFFECTS.optedOut)
    }
    case "RepeatSuppressed":
      return next(alert, { suppressedRepeats: alert.suppressedRepeats + 1 }, EFFECTS.updated)
  }
}
