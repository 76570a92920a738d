import { formatDuration } from "./Duration.js"
import type { Rejection } from "./Lifecycle.js"

/** `<@id>` for a member, a plain word for the bot's own actors. */
export const actor = (by: string): string =>
  by === "auto"
    ? "Ash (automatically)"
    : by === "clock"
      ? "the expiry timer"
      : /^[0-9]+$/.test(by)
        ? `<@${by}>`
        : by

/** The ephemeral answer a CRT member gets when their button press changes nothing. */
export const describeRejection = (r: Rejection): string => {
  switch (r._tag) {
    case "AlreadyAcknowledged":
      return `✅ Already acknowledged by ${actor(r.by)}, ${formatDuration(r.elapsedMs)} after the alert.`
    case "AlreadyContacted":
      return `💬 Ash already reached the member (${r.mode === "auto" ? "automatically" : `asked by ${actor(r.by)}`}), ${formatDuration(r.elapsedMs)} after the alert.`
    case "ContactInProgress":
      return `💬 ${actor(r.by)} is already reaching out through Ash.`
    case "NoContactPending":
      return "No contact with the member is under way."
    case "AlreadyResponded":
      return `💬 ${actor(r.by)} already responded to the member, ${formatDuration(r.elapsedMs)} after the alert.`
    case "Closed":
      return r.reason === "resolved"
        ? `🔒 This alert was resolved by ${actor(r.by)}, ${formatDuration(r.elapsedMs)} after it was posted.`
        : `⌛ This alert expired ${formatDuration(r.elapsedMs)} after it was posted.`
    case "OptedOut":
    case "AlreadyOptedOut":
      return "👤 The member prefers human support: please reach out personally."
    case "NotDue":
      return "Not due yet."
    case "AlreadyRenotified":
      return "The CRT was already pinged again."
    case "NotNeeded":
      return `Nothing to do: the alert was already ${r.because}.`
  }
}

export const REPLIES = {
  unknownButton: "⚠️ Unknown or expired button. Nothing was changed.",
  notCrt: "⛔ Only members of the Crisis Response Team can act on alerts.",
  alertMissing: "⚠️ This alert is no longer on record (it may have expired). Nothing was changed.",
  ashUnavailable:
    "💬 Ash contact is not available yet. Please reach out to the member directly — nothing was recorded.",
  storeDown: "⚠️ The alert store is unreachable right now; your action was NOT recorded. Please try again.",
  acknowledged: "✅ Acknowledged.",
} as const
