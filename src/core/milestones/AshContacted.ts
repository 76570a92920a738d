import { Schema } from "effect"
import type { Alert } from "../Alert.js"
import { pingsCrt } from "../Severity.js"
import {
  accept,
  actor,
  after,
  clockTo,
  countWhenReached,
  event,
  milestone,
  notNeeded,
  Reached,
  reach,
  reachedAlready,
  refuse,
  stampWith,
  unless,
} from "./Declaration.js"
import { cancel, effects, OPEN_RELAY, renotify, UPDATE } from "./Effects.js"
import type { Rejection } from "./Rejections.js"

/** Who asked for the contact: a CRT member with Talk to Ash, or the auto-contact timer. */
export const AshContactMode = Schema.Literal("manual", "auto")
export type AshContactMode = typeof AshContactMode.Type

/** How Ash reached the member: a direct message, or a private thread when DMs are closed. */
export const ContactChannel = Schema.Literal("dm", "thread")
export type ContactChannel = typeof ContactChannel.Type

/** What an alert records of Ash's contact with the member. */
export const AshContactedData = Schema.Struct({
  ...Reached.fields,
  mode: AshContactMode,
  via: ContactChannel,
  /** The private thread, when Ash reached the member there (records from before it: none). */
  threadId: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
})

/**
 * How long a contact request blocks another one. A process that died mid-contact must not leave
 * the member unreachable forever: after this the request may be made again.
 */
export const CONTACT_REQUEST_LEASE_MS = 120_000

const OPTED_OUT: Rejection = { _tag: "OptedOut" }

const pendingRequest = (alert: Alert, now: number): Rejection | null => {
  const r = alert.contactRequest
  return r !== null && now - r.at < CONTACT_REQUEST_LEASE_MS
    ? { _tag: "ContactInProgress", by: r.by, at: r.at }
    : null
}

const request = (mode: AshContactMode, by: string, now: number) => ({
  contactRequest: { mode, by, at: Math.max(0, Math.trunc(now)) },
})

const REQUESTED = effects({ _tag: "ContactMember", mode: "manual" }, cancel("auto_contact"))
const AUTO_DUE = effects({ _tag: "ContactMember", mode: "auto" })
const CONTACTED = effects(UPDATE, cancel("auto_contact"))
// By DM, the member's answers reach the CRT through a relay; a private thread needs none.
const CONTACTED_BY_DM = effects(UPDATE, cancel("auto_contact"), OPEN_RELAY)
const FAILED = effects(UPDATE, renotify("contact_failed"))

/** Ash has reached the member (by DM, or in a private thread when DMs are closed). */
export const AshContacted = milestone({
  key: "ashContacted",
  state: "ash_contacted",
  terminal: false,
  handled: false,
  events: {
    /** A CRT member pressed Talk to Ash: the shell should contact the member. */
    RequestAshContact: event({ by: Schema.String }, (alert, e, now) =>
      unless(
        [
          reachedAlready(alert, "ashContacted"),
          alert.optedOut ? OPTED_OUT : null,
          pendingRequest(alert, now),
        ],
        () => accept(request("manual", e.by, now), REQUESTED),
      ),
    ),
    /** The auto-contact timer fired: contact the member if nobody has taken the alert on. */
    AutoContactDue: event({}, (alert, _e, now) => {
      const due = alert.deadlines.autoContactAt
      if (due === null || now < due) return refuse({ _tag: "NotDue", dueAt: due })
      return unless(
        [
          reachedAlready(alert, "ashContacted"),
          notNeeded(alert, "acknowledged"),
          notNeeded(alert, "responded"),
          alert.optedOut ? OPTED_OUT : null,
          pendingRequest(alert, now),
        ],
        () => accept(request("auto", "auto", now), AUTO_DUE),
      )
    }),
    /** The shell reached the member (DM or private thread) for the pending request. */
    AshContactMade: event(
      { via: ContactChannel, threadId: Schema.NullOr(Schema.String) },
      (alert, e, now) => {
        const r = alert.contactRequest
        if (r === null) return refuse({ _tag: "NoContactPending" })
        const reached = stampWith(alert, r.by, now, { mode: r.mode, via: e.via, threadId: e.threadId })
        const then = e.via === "dm" ? CONTACTED_BY_DM : CONTACTED
        return reach(alert, "ashContacted", reached, then, { contactRequest: null })
      },
    ),
    /** The shell could not reach the member for the pending request: no contact is recorded. */
    AshContactFailed: event({ reason: Schema.String }, (alert) =>
      alert.contactRequest === null
        ? refuse({ _tag: "NoContactPending" })
        : accept({ contactRequest: null, contactFailures: alert.contactFailures + 1 }, FAILED),
    ),
  },
  button: {
    action: "talk",
    label: "Talk to Ash",
    style: "primary",
    emoji: "💬",
    position: 1,
    // On a fresh alert for HIGH/CRITICAL only (the seeds' matrix); once a CRT member has
    // acknowledged, for every severity, because a person has judged the alert. Never after
    // contact or a human response, never for a member who opted out.
    offered: (alert) =>
      !alert.optedOut &&
      alert.milestones.ashContacted === null &&
      alert.milestones.responded === null &&
      (alert.milestones.acknowledged !== null || pingsCrt(alert.severity)),
    press: (by) => ({ _tag: "RequestAshContact", by }),
  },
  status: (alert) => {
    const c = alert.milestones.ashContacted
    if (c === null) return alert.contactFailures > 0 ? ["⚠️ Ash could not reach the member"] : []
    const via =
      c.via === "dm"
        ? "by DM"
        : c.threadId === null
          ? "in a private thread"
          : `in a private thread: <#${c.threadId}>`
    return [
      c.mode === "auto"
        ? `🤖 Ash reached out automatically after ${after(c.elapsedMs)}, ${via}`
        : `💬 Ash reached out for ${actor(c.by)} after ${after(c.elapsedMs)}, ${via}`,
    ]
  },
  already: (c) =>
    `💬 Ash already reached the member (${c.mode === "auto" ? "automatically" : `asked by ${actor(c.by)}`}), ${after(c.elapsedMs)} after the alert.`,
  // The thread's id stays out: an export carries no Discord id.
  exported: { columns: ["mode", "via"], values: (c) => [c.mode, c.via] },
  metrics: {
    counters: [
      countWhenReached("ashContacted", "ash_sessions_count", "ashContacted"),
      countWhenReached("ashManual", "ash_manual_count", "ashContacted", (c) => c.mode === "manual"),
      countWhenReached("ashAuto", "auto_initiated_count", "ashContacted", (c) => c.mode === "auto"),
      { name: "contactFailed", field: "contact_failed_count", counts: (alert) => alert.contactFailures > 0 },
    ],
    clock: clockTo(
      "ashContacted",
      "ash_contact",
      "Time to Ash contact",
      "alert posted → Ash reached the member (Talk to Ash or automatically).",
    ),
    responder: null,
  },
})
