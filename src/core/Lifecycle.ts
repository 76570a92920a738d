/**
 * The alert lifecycle (PRODUCT.md §3) as pure functions: a new alert with its timers, and
 * `transition(alert, event, now)` → the next alert and the effects the shell must run, or why
 * the event changes nothing. What each event does is declared with its milestone in
 * `milestones/`; this file only applies the declarations.
 */
import { Either, Option, Schema } from "effect"
import type { Alert, AlertId, AlertOrigin } from "./Alert.js"
import { type LifecycleEffect, schedule, type TimerKind } from "./milestones/Effects.js"
import {
  BUTTONS,
  type ButtonAction,
  EVENTS,
  type LifecycleEvent,
  MILESTONE_LIST,
  MilestonesSchema,
} from "./milestones/Milestones.js"
import { alreadyReached, type Rejection } from "./milestones/Rejections.js"
import type { AlertSeverity } from "./Severity.js"

export { CONTACT_REQUEST_LEASE_MS } from "./milestones/AshContacted.js"
export type { LifecycleEffect, RenotifyReason, TimerKind } from "./milestones/Effects.js"
export { TIMER_KINDS } from "./milestones/Effects.js"
export type { LifecycleEvent, LifecycleEventTag } from "./milestones/Milestones.js"
export type { AlreadyReached, Rejection } from "./milestones/Rejections.js"

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
    milestones: MilestonesSchema.make({}),
    raisedFrom: null,
    contactRequest: null,
    contactFailures: 0,
    renotified: false,
    suppressedRepeats: 0,
  }
  const effects: Array<LifecycleEffect> = [schedule("expire", deadlines.expireAt)]
  if (deadlines.autoContactAt !== null) effects.push(schedule("auto_contact", deadlines.autoContactAt))
  if (deadlines.renotifyAt !== null) effects.push(schedule("renotify", deadlines.renotifyAt))
  return { alert, effects }
}

// ---------------------------------------------------------------------------------------------
// Transition
// ---------------------------------------------------------------------------------------------

const TERMINAL = MILESTONE_LIST.filter((m) => m.terminal).map((m) => m.key)

/**
 * The next alert and the effects the shell must run, or why the event changes nothing. The
 * shell persists, then executes.
 */
export const transition = (
  alert: Alert,
  event: LifecycleEvent,
  now: number,
): Either.Either<Transition, Rejection> => {
  // Once a terminal milestone (closing) is reached, every event is refused.
  for (const key of TERMINAL) {
    const reached = alert.milestones[key]
    if (reached !== null) return Either.left(alreadyReached(key, reached))
  }
  const declared = EVENTS.get(event._tag)
  // Every event type is derived from a declaration, so this is only reachable with forged input.
  if (declared === undefined) return Either.left({ _tag: "UnknownEvent", event: String(event._tag) })
  const decided = declared.decide(alert, event, now)
  if (Either.isLeft(decided)) return Either.left(decided.left)
  const { changes, effects } = decided.right
  return Either.right({ alert: Object.assign({}, alert, changes, { version: alert.version + 1 }), effects })
}

/** Whether `u` is an event some declaration handles, with the fields it declares. */
export const isLifecycleEvent = (u: unknown): u is LifecycleEvent => {
  if (typeof u !== "object" || u === null || !("_tag" in u) || typeof u._tag !== "string") return false
  const declared = EVENTS.get(u._tag)
  return declared !== undefined && Schema.is(Schema.Struct(declared.fields))(u)
}

/** The event a CRT member's press of the button `action` stands for. */
export const pressEvent = (action: ButtonAction, by: string): Option.Option<LifecycleEvent> =>
  Option.map(Option.fromNullable(BUTTONS.find((b) => b.action === action)), (b) => b.press(by))

/** The event each alert timer stands for when it falls due. */
export const TIMER_EVENTS: { readonly [K in TimerKind]: LifecycleEvent } = {
  auto_contact: { _tag: "AutoContactDue" },
  renotify: { _tag: "RenotifyDue" },
  expire: { _tag: "Expire" },
}
