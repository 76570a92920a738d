/**
 * What the shell must do after a transition has been persisted. Timers are written by the store
 * together with the alert; every other effect is carried out by the lifecycle interpreter.
 */
import type { AshContactMode } from "./AshContacted.js"

/** The alert timers, each due at most once per alert. */
export const TIMER_KINDS = ["auto_contact", "renotify", "expire"] as const
export type TimerKind = (typeof TIMER_KINDS)[number]

/** Why the CRT is pinged again on an alert. */
export type RenotifyReason = "unacknowledged" | "contact_failed" | "opted_out" | "severity_raised"

export type LifecycleEffect =
  /** Re-render the alert message (embed and buttons) from the new state. */
  | { readonly _tag: "UpdateAlertMessage" }
  /** Reach the member (DM, else a private thread) and report back with AshContactMade/Failed. */
  | { readonly _tag: "ContactMember"; readonly mode: AshContactMode }
  | { readonly _tag: "ScheduleTimer"; readonly kind: TimerKind; readonly dueAt: number }
  | { readonly _tag: "CancelTimer"; readonly kind: TimerKind }
  /** Ping the CRT again on the alert. */
  | { readonly _tag: "Renotify"; readonly reason: RenotifyReason }
  /** Open the conversation relay: a staff thread on the alert, the member's DMs relayed there. */
  | { readonly _tag: "OpenRelay" }
  /** Close the alert's conversation relay, if it has one: the member is told, the thread archived. */
  | { readonly _tag: "CloseRelay" }

export const UPDATE: LifecycleEffect = { _tag: "UpdateAlertMessage" }
export const OPEN_RELAY: LifecycleEffect = { _tag: "OpenRelay" }
export const CLOSE_RELAY: LifecycleEffect = { _tag: "CloseRelay" }

const CANCEL: { readonly [K in TimerKind]: LifecycleEffect } = {
  auto_contact: { _tag: "CancelTimer", kind: "auto_contact" },
  renotify: { _tag: "CancelTimer", kind: "renotify" },
  expire: { _tag: "CancelTimer", kind: "expire" },
}

/** Cancel a timer (one shared value per timer: transitions run often and allocate little). */
export const cancel = (kind: TimerKind): LifecycleEffect => CANCEL[kind]

/** A fixed list of effects, built once. */
export const effects = (...list: ReadonlyArray<LifecycleEffect>): ReadonlyArray<LifecycleEffect> => list

export const schedule = (kind: TimerKind, dueAt: number): LifecycleEffect => ({
  _tag: "ScheduleTimer",
  kind,
  dueAt,
})

export const renotify = (reason: RenotifyReason): LifecycleEffect => ({ _tag: "Renotify", reason })
