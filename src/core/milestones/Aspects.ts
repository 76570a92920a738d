/** What changes an alert or its metrics without being a milestone of its own. */
import { AlertSeverity, isAbove } from "../Severity.js"
import { accept, aspect, event, notNeeded, refuse, unless } from "./Declaration.js"
import { cancel, effects, renotify, UPDATE } from "./Effects.js"

const OPTED_OUT = effects(UPDATE, cancel("auto_contact"), renotify("opted_out"))
const REPEATED = effects(UPDATE)
const RENOTIFIED = effects(renotify("unacknowledged"))

/** The alert itself: counted once in its day, with how long the member's message took to alert. */
export const Created = aspect({
  events: {},
  button: null,
  status: () => [],
  metrics: {
    counters: [
      { name: "totalAlerts", field: "total_alerts", counts: () => true },
      { name: "escalated", field: "escalated_count", counts: (alert) => alert.escalated },
    ],
    clock: {
      name: "alert_latency",
      label: "Message-to-alert latency",
      definition: "member's message → alert posted.",
      sampleMs: (alert) => Math.max(0, alert.createdAt - alert.messageAt),
      byHour: false,
    },
    responder: null,
  },
})

/** The member prefers human support: Ash never contacts them, and the CRT is asked to. */
export const OptOut = aspect({
  events: {
    /**
     * The member said they prefer human support (their button, or a CRT member's command). A
     * contact under way is dropped: the member is not to be reached by Ash. It stays on the alert
     * (the day counts it once); clearing the stored preference lets Ash reach them on new alerts.
     */
    MemberOptedOut: event({}, (alert) =>
      alert.optedOut
        ? refuse({ _tag: "AlreadyOptedOut" })
        : accept({ optedOut: true, contactRequest: null }, OPTED_OUT),
    ),
  },
  button: null,
  status: (alert) =>
    alert.optedOut ? ["👤 The member prefers human support — please reach out personally"] : [],
  metrics: {
    counters: [{ name: "optedOut", field: "user_optout_count", counts: (alert) => alert.optedOut }],
    clock: null,
    responder: null,
  },
})

/** Flagged messages from the same member inside the cooldown, counted on the open alert. */
export const Repeats = aspect({
  events: {
    /** Another flagged message from the member was suppressed by the cooldown. */
    RepeatSuppressed: event({}, (alert) =>
      accept({ suppressedRepeats: alert.suppressedRepeats + 1 }, REPEATED),
    ),
  },
  button: null,
  status: (alert) => {
    const n = alert.suppressedRepeats
    return n > 0 ? [`🔁 ${n} more flagged message${n === 1 ? "" : "s"} since`] : []
  },
  metrics: { counters: [], clock: null, responder: null },
})

/** The CRT is pinged once more when nobody has taken the alert on in time. */
export const Renotify = aspect({
  events: {
    /** The re-notify timer fired. */
    RenotifyDue: event({}, (alert, _e, now) => {
      const due = alert.deadlines.renotifyAt
      if (due === null || now < due) return refuse({ _tag: "NotDue", dueAt: due })
      return unless(
        [
          alert.renotified ? { _tag: "AlreadyRenotified" } : null,
          notNeeded(alert, "acknowledged"),
          notNeeded(alert, "responded"),
        ],
        () => accept({ renotified: true }, RENOTIFIED),
      )
    }),
  },
  button: null,
  status: () => [],
  metrics: { counters: [], clock: null, responder: null },
})

const RAISED = effects(UPDATE, renotify("severity_raised"))

/** A later message of the member reads as more severe than the alert: its badge is raised. */
export const Raise = aspect({
  events: {
    /** The NLP read a message the member wrote to Ash as `severity`, above the alert's. */
    SeverityRaised: event({ severity: AlertSeverity }, (alert, e) =>
      !isAbove(e.severity, alert.severity)
        ? refuse({ _tag: "NotHigher", severity: e.severity })
        : accept({ severity: e.severity, raisedFrom: alert.raisedFrom ?? alert.severity }, RAISED),
    ),
  },
  button: null,
  status: (alert) =>
    alert.raisedFrom === null
      ? []
      : [
          `⬆️ Raised from ${alert.raisedFrom.toUpperCase()} to ${alert.severity.toUpperCase()}: the member wrote to Ash`,
        ],
  metrics: {
    counters: [{ name: "raised", field: "raised_count", counts: (alert) => alert.raisedFrom !== null }],
    clock: null,
    responder: null,
  },
})

const WROTE_FIRST = effects(cancel("auto_contact"))

/** The member wrote to Ash before Ash reached out: they are in a conversation already. */
export const Conversation = aspect({
  events: {
    /** A conversation the member began is open on the alert: Ash does not also reach out on its own. */
    MemberWroteToAsh: event({}, () => accept({}, WROTE_FIRST)),
  },
  button: null,
  status: () => [],
  metrics: { counters: [], clock: null, responder: null },
})
