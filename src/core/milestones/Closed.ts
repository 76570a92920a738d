import { Schema } from "effect"
import type { Alert } from "../Alert.js"
import {
  actor,
  after,
  countWhenReached,
  engaged,
  event,
  milestone,
  Reached,
  reach,
  refuse,
  stampWith,
  statusWhenReached,
} from "./Declaration.js"
import { CLOSE_RELAY, cancel, effects, type LifecycleEffect, UPDATE } from "./Effects.js"

export const CloseReason = Schema.Literal("resolved", "expired")
export type CloseReason = typeof CloseReason.Type

/** What an alert records of its closing; `unanswered` when no human response came before. */
export const ClosedData = Schema.Struct({
  ...Reached.fields,
  reason: CloseReason,
  unanswered: Schema.Boolean,
})

const close = (
  alert: Alert,
  by: string,
  reason: CloseReason,
  now: number,
  effects: ReadonlyArray<LifecycleEffect>,
) =>
  reach(
    alert,
    "closed",
    stampWith(alert, by, now, { reason, unanswered: alert.milestones.responded === null }),
    effects,
  )

const RESOLVED = effects(UPDATE, cancel("auto_contact"), cancel("renotify"), cancel("expire"), CLOSE_RELAY)
// The expiry timer is the one firing, so it is not cancelled.
const EXPIRED = effects(UPDATE, cancel("auto_contact"), cancel("renotify"), CLOSE_RELAY)

/** The alert is over: resolved by a CRT member, or expired. A closed alert accepts no event. */
export const Closed = milestone({
  key: "closed",
  state: "closed",
  terminal: true,
  // Stryker disable next-line BooleanLiteral: a closed alert is grey whatever else it reached.
  handled: false,
  events: {
    /** A CRT member pressed Resolve. */
    Resolve: event({ by: Schema.String }, (alert, e, now) => close(alert, e.by, "resolved", now, RESOLVED)),
    /** The expiry timer fired. */
    Expire: event({}, (alert, _e, now) =>
      now < alert.deadlines.expireAt
        ? refuse({ _tag: "NotDue", dueAt: alert.deadlines.expireAt })
        : close(alert, "clock", "expired", now, EXPIRED),
    ),
  },
  button: {
    action: "resolve",
    // Grey rather than red: closing is routine, and red would draw the eye away from Acknowledge.
    label: "Resolve",
    style: "secondary",
    emoji: "🔒",
    position: 4,
    offered: engaged,
    press: (by) => ({ _tag: "Resolve", by }),
  },
  status: statusWhenReached("closed", (c) =>
    c.reason === "resolved"
      ? `🔒 Resolved by ${actor(c.by)} after ${after(c.elapsedMs)}`
      : `⌛ Expired after ${after(c.elapsedMs)}${c.unanswered ? " — unanswered" : ""}`,
  ),
  already: (c) =>
    c.reason === "resolved"
      ? `🔒 This alert was resolved by ${actor(c.by)}, ${after(c.elapsedMs)} after it was posted.`
      : `⌛ This alert expired ${after(c.elapsedMs)} after it was posted.`,
  exported: { columns: ["reason", "unanswered"], values: (c) => [c.reason, c.unanswered] },
  metrics: {
    counters: [
      countWhenReached("resolved", "resolved_count", "closed", (c) => c.reason === "resolved"),
      countWhenReached("expired", "expired_count", "closed", (c) => c.reason === "expired"),
      countWhenReached("unanswered", "unanswered_count", "closed", (c) => c.unanswered),
    ],
    clock: null,
    responder: null,
  },
})
