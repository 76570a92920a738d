import { Schema } from "effect"
import {
  actor,
  after,
  clockTo,
  countWhenReached,
  engaged,
  event,
  milestone,
  Reached,
  reach,
  stampWith,
  statusWhenReached,
} from "./Declaration.js"
import { cancel, effects, UPDATE } from "./Effects.js"

/** How the first human response was seen (PRODUCT.md §5). */
export const ResponseDetection = Schema.Literal(
  "thread_message",
  "source_reply",
  "source_mention",
  "self_reported",
  "relay",
)
export type ResponseDetection = typeof ResponseDetection.Type

/** What an alert records of the first human response to the member. */
export const RespondedData = Schema.Struct({ ...Reached.fields, detection: ResponseDetection })

/** What the status line adds about how the response was seen. */
const DETECTION_NOTE: Readonly<Record<ResponseDetection, string>> = {
  thread_message: "",
  source_reply: "",
  source_mention: "",
  self_reported: " (self-reported)",
  relay: " (through the relay)",
}

const RESPONDED = effects(UPDATE, cancel("auto_contact"), cancel("renotify"))

/** A CRT member has answered the member: the first human response. */
export const Responded = milestone({
  key: "responded",
  state: "responded",
  terminal: false,
  handled: true,
  events: {
    /** The first human message to the member was seen (or self-reported with I reached out). */
    FirstResponse: event({ by: Schema.String, detection: ResponseDetection }, (alert, e, now) =>
      reach(alert, "responded", stampWith(alert, e.by, now, { detection: e.detection }), RESPONDED),
    ),
  },
  button: {
    action: "reached",
    label: "I reached out",
    style: "secondary",
    emoji: "🤝",
    position: 3,
    // Once someone has engaged (acknowledged or Ash contacted), until a response is recorded.
    offered: (alert) => engaged(alert) && alert.milestones.responded === null,
    press: (by) => ({ _tag: "FirstResponse", by, detection: "self_reported" as const }),
  },
  status: statusWhenReached(
    "responded",
    (r) =>
      `💬 First human response by ${actor(r.by)} after ${after(r.elapsedMs)}${DETECTION_NOTE[r.detection]}`,
  ),
  already: (r) => `💬 ${actor(r.by)} already responded to the member, ${after(r.elapsedMs)} after the alert.`,
  exported: { columns: ["detection"], values: (r) => [r.detection] },
  metrics: {
    counters: [countWhenReached("responded", "responded_count", "responded")],
    clock: clockTo(
      "responded",
      "first_response",
      "Time to first human response",
      "alert posted → first CRT message to the member, or “I reached out”.",
    ),
    responder: {
      role: "firstResponses",
      noun: { one: "first response", many: "first responses" },
      fieldPrefix: "responder_first_response:",
      who: (alert) => alert.milestones.responded?.by ?? null,
    },
  },
})
