import type { Rejection } from "./Lifecycle.js"
import type { MilestoneData, MilestoneKey } from "./milestones/Declaration.js"
import { actor } from "./milestones/Declaration.js"
import { MILESTONES } from "./milestones/Milestones.js"
import type { AlreadyReached } from "./milestones/Rejections.js"

const ALREADY: { readonly [K in MilestoneKey]: { readonly already: (reached: MilestoneData<K>) => string } } =
  MILESTONES

/** The reply a milestone declares for an action that would reach it again. */
const alreadyText = <K extends MilestoneKey>(r: AlreadyReached<K>): string =>
  ALREADY[r.milestone].already(r.reached)

/** The ephemeral answer a CRT member gets when their action changes nothing. */
export const describeRejection = (r: Rejection): string => {
  switch (r._tag) {
    case "AlreadyReached":
      return alreadyText(r)
    case "ContactInProgress":
      return `💬 ${actor(r.by)} is already reaching out through Ash.`
    case "NoContactPending":
      return "No contact with the member is under way."
    case "OptedOut":
    case "AlreadyOptedOut":
      return "👤 The member prefers human support: please reach out personally."
    case "NotDue":
      return "Not due yet."
    case "AlreadyRenotified":
      return "The CRT was already pinged again."
    case "NotHigher":
      return `The alert is already ${r.severity.toUpperCase()} or higher.`
    case "NotNeeded":
      return `Nothing to do: the alert was already ${MILESTONES[r.because].state.replaceAll("_", " ")}.`
    case "UnknownEvent":
      return "⚠️ Unknown action. Nothing was changed."
  }
}

export const REPLIES = {
  unknownButton: "⚠️ Unknown or expired button. Nothing was changed.",
  notCrt: "⛔ Only members of the Crisis Response Team can act on alerts.",
  alertMissing: "⚠️ This alert is no longer on record (it may have expired). Nothing was changed.",
  alertRecording: "⏳ This alert is still being recorded. Nothing was changed: please try again in a moment.",
  notYourOptOut: "This button is for the person Ash wrote to. Nothing was changed.",
  optOutExpired:
    "Sorry — this button has expired. If you would rather talk to a person, please message a moderator of the server.",
  optOutNotSaved:
    "Sorry — your choice could not be saved just now. Please press the button again in a moment.",
  unknownCommand: "⚠️ Unknown command. Nothing was changed.",
  commandNotCrt: "⛔ Only members of the Crisis Response Team can use this command.",
  commandOutsideGuild: "This command works in the server only.",
  reportUnavailable:
    "⚠️ The report could not be made right now (the metrics store did not answer). Please try again in a moment.",
  exportNoKey:
    "⛔ Exports are turned off: no pseudonym key is set. An operator can set BOT_EXPORT_PSEUDONYM_KEY (or BOT_EXPORT_PSEUDONYM_KEY_FILE) to allow them; without it no export is made, so no member's id can leave the bot.",
  exportUnavailable:
    "⚠️ The export could not be made right now (the metrics store did not answer). Please try again in a moment.",
  exportTooLarge: (days: number, limitMb: number) =>
    `⚠️ The export of ${days} days is larger than Discord takes as an attachment (${limitMb} MB). Please ask for fewer days.`,
  exportReady: (
    rows: number,
    first: string,
    last: string,
    format: string,
    options: { readonly keptFrom: string | null },
  ) =>
    `📦 ${rows} ${rows === 1 ? "alert" : "alerts"} from ${first} to ${last}, as ${format.toUpperCase()}. Members, responders and alerts appear as pseudonyms; no message text is included.${
      options.keptFrom === null
        ? ""
        : ` Alert records are kept for a limited time (BOT_RESPONSE_METRICS_RETENTION_DAYS): the file has none before ${options.keptFrom}; /metrics report still counts those days.`
    }`,
  storeDown:
    "⚠️ Your action could NOT be recorded right now (the alert store did not answer, or the alert kept changing). Please try again.",
} as const

/** The member's confirmation after "I'd rather talk to a person". */
export const optOutConfirmation = (days: number): string =>
  `Thank you for telling us. Ash will not message you again for the next ${days} days; a person from our Crisis Response Team will reach out to you instead.`
