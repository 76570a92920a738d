import { Schema } from "effect"
import {
  actor,
  after,
  clockTo,
  countWhenReached,
  event,
  milestone,
  Reached,
  reach,
  stamp,
  statusWhenReached,
} from "./Declaration.js"
import { cancel, effects, UPDATE } from "./Effects.js"

/** What an alert records of its acknowledgement: who pressed Acknowledge, and when. */
export const AcknowledgedData = Reached

const ACKNOWLEDGED = effects(UPDATE, cancel("auto_contact"), cancel("renotify"))

/** A CRT member has taken the alert on. */
export const Acknowledged = milestone({
  key: "acknowledged",
  state: "acknowledged",
  terminal: false,
  handled: true,
  events: {
    /**
     * A CRT member pressed Acknowledge. Allowed after Ash contact and after a response:
     * acknowledging is never taken away from the CRT.
     */
    Acknowledge: event({ by: Schema.String }, (alert, e, now) =>
      reach(alert, "acknowledged", stamp(alert, e.by, now), ACKNOWLEDGED),
    ),
  },
  button: {
    action: "ack",
    label: "Acknowledge",
    style: "success",
    emoji: "✅",
    position: 2,
    // Stays until someone acknowledges, whatever else happened.
    offered: (alert) => alert.milestones.acknowledged === null,
    press: (by) => ({ _tag: "Acknowledge", by }),
  },
  status: statusWhenReached(
    "acknowledged",
    (a) => `✅ Acknowledged by ${actor(a.by)} after ${after(a.elapsedMs)}`,
  ),
  already: (a) => `✅ Already acknowledged by ${actor(a.by)}, ${after(a.elapsedMs)} after the alert.`,
  exported: { columns: [], values: () => [] },
  metrics: {
    counters: [countWhenReached("acknowledged", "acknowledged_count", "acknowledged")],
    clock: clockTo(
      "acknowledged",
      "acknowledge",
      "Time to acknowledge",
      "alert posted → first Acknowledge press.",
      { byHour: true },
    ),
    responder: {
      role: "acknowledgements",
      noun: { one: "acknowledgement", many: "acknowledgements" },
      fieldPrefix: "responder_ack:",
      who: (alert) => alert.milestones.acknowledged?.by ?? null,
    },
  },
})
