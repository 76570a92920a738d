/**
 * The conversation relay between a member's DMs and the staff thread on their alert: what the
 * CRT reads in the thread, what the member receives, and which thread messages stay staff-only.
 * Pure text and embeds; the shell moves them.
 */
import type { Alert } from "./Alert.js"
import type { EmbedData } from "./DiscordMessage.js"
import { EMBED_LIMITS } from "./DiscordMessage.js"
import { fitMapped } from "./Markdown.js"
import { actor } from "./milestones/Declaration.js"
import type { Severity } from "./Severity.js"

/** A staff thread message starting with this stays in the thread: a note for the CRT. */
export const STAFF_NOTE_PREFIX = "//"

export const isStaffNote = (content: string): boolean => content.trimStart().startsWith(STAFF_NOTE_PREFIX)

/** Ash's one automatic answer to the member's first message, before a person has answered. */
export const AUTO_REPLY =
  "Thank you for writing. A member of our Crisis Response Team has been told and will answer here."

/** What the member reads when the alert is resolved or expires. */
export const CLOSING_MESSAGE =
  "Thank you for talking with us. This conversation is closed for now — you can write here again any time, and our Crisis Response Team will be told."

/** The staff thread's name (Discord allows 1–100 characters). */
export const staffThreadName = (alert: Alert): string => `Conversation · ${alert.id}`

/** How the conversation began: Ash's contact (by a CRT member or automatically) or the member writing first. */
export type RelayStart =
  | { readonly _tag: "Contact"; readonly mode: "manual" | "auto"; readonly by: string }
  /** `openedAlert`: the member's message opened the alert itself (whose post pinged the CRT already). */
  | { readonly _tag: "MemberWrote"; readonly openedAlert: boolean }

const startLine = (memberId: string, start: RelayStart): string => {
  if (start._tag === "MemberWrote") return `📨 <@${memberId}> wrote to Ash by direct message.`
  return start.mode === "auto"
    ? `🤖 Ash reached out to <@${memberId}> automatically, by direct message.`
    : `💬 Ash reached out to <@${memberId}> by direct message, for ${actor(start.by)}.`
}

/** Text as it is, cut to at most `max` UTF-16 units (Discord's limits are at most that strict), with an ellipsis. */
const cutTo = (text: string, max: number): string => fitMapped(text, max, (cp) => cp)

const quote = (text: string): string =>
  text
    .split("\n")
    .map((line) => `> ${line}`)
    .join("\n")

/**
 * The thread's first message: how the conversation began, the welcome the member received, and
 * how to answer. Nobody is pinged by it.
 */
export const staffThreadIntro = (memberId: string, start: RelayStart, welcome: string | null): string => {
  const parts = [
    startLine(memberId, start),
    welcome === null ? null : `They received:\n${quote(cutTo(welcome, 1_200))}`,
    "**How to answer:** write here. Each message of a CRT member is sent to the member by direct message, signed as the Crisis Response Team. Start a message with `//` for a note only the team sees. The member's replies appear here.",
  ]
  return cutTo(parts.filter((p): p is string => p !== null).join("\n\n"), EMBED_LIMITS.content)
}

/** What the NLP said about a relayed message: its severity, or that it could not say. */
export type RelayedReading = { readonly severity: Severity } | { readonly unavailable: string } | null

const READING_COLOR: Readonly<Record<Severity, number>> = {
  safe: 0x95a5a6,
  low: 0x95a5a6,
  medium: 0xf1c40f,
  high: 0xe67e22,
  critical: 0xe74c3c,
}
const PENDING_COLOR = 0x5865f2

/** A member's message to Ash, as the CRT reads it in the staff thread. */
export interface RelayedMessage {
  readonly memberId: string
  readonly content: string
  readonly attachments: ReadonlyArray<{ readonly name: string; readonly url: string }>
  readonly sentAt: number
}

const readingFooter = (m: RelayedMessage, reading: RelayedReading): string => {
  if (m.content.trim() === "") return "NLP: no text to read"
  if (reading === null) return "NLP: reading…"
  if ("unavailable" in reading) return `NLP: no reading (${reading.unavailable})`
  return `NLP: ${reading.severity.toUpperCase()}`
}

/** The member's message as an embed (its text, files as links, its time), with the NLP's reading once known. */
export const relayedEmbed = (m: RelayedMessage, reading: RelayedReading): EmbedData => {
  const files = m.attachments.map((a) => `📎 [${a.name.replaceAll(/[[\]]/g, "")}](${a.url})`).join("\n")
  const text = m.content.trim() === "" ? "*(no text)*" : m.content
  return {
    title: "💬 The member wrote",
    description: cutTo(files === "" ? text : `${text}\n\n${files}`, EMBED_LIMITS.description),
    color: reading !== null && "severity" in reading ? READING_COLOR[reading.severity] : PENDING_COLOR,
    fields: [],
    footer: { text: readingFooter(m, reading) },
    timestamp: new Date(m.sentAt).toISOString(),
  }
}

const signature = (displayName: string | null): string =>
  displayName === null || displayName.trim() === ""
    ? "— Crisis Response Team"
    : `— ${displayName.trim()}, Crisis Response Team`

/**
 * A CRT member's thread message as the member receives it, signed: one message, or several
 * when the text and signature exceed Discord's 2000 characters (the signature ends the last).
 */
export const signedForMember = (content: string, displayName: string | null): ReadonlyArray<string> => {
  const sign = `\n\n${signature(displayName)}`
  const limit = EMBED_LIMITS.content
  const chunks: Array<string> = []
  let current = ""
  // Whole code points only: a chunk never ends inside a surrogate pair.
  for (const cp of content.trim()) {
    if (current.length + cp.length > limit) {
      chunks.push(current)
      current = ""
    }
    current += cp
  }
  if (current.length + sign.length > limit) {
    chunks.push(current)
    current = ""
  }
  chunks.push(`${current}${sign}`)
  return chunks
}

/** Shown in the thread when a CRT message could not be delivered. */
export const relayFailedNotice = (reason: string): string =>
  `⚠️ **Not delivered to the member** (${reason}). They may have closed their direct messages: please reach them another way. This message does not count as a response.`

/** Shown in the thread when someone outside the CRT writes there. */
export const NOT_RELAYED_NOT_CRT = "ℹ️ Only messages of CRT members are sent to the member; this one was not."

/** Shown in the thread once the relay is closed. */
export const relayClosedNotice = (reason: "resolved" | "expired"): string =>
  `🔒 The alert was ${reason === "resolved" ? "resolved" : "closed by expiry"}: this conversation is closed. The member was told they can write again any time; a new message from them opens a new alert.`

/** Shown in the thread when a CRT message carries no text (files are not sent to the member). */
export const NOT_RELAYED_NO_TEXT =
  "ℹ️ Only text is sent to the member, and this message has none: please write what you want them to read."

/** Shown in the thread when the bot could not tell where a message goes (its store did not answer). */
export const NOT_RELAYED_STORE_DOWN =
  "⚠️ This message was **not** sent to the member: the bot's store did not answer. Please send it again in a moment."

/** Shown in a thread whose member went on to a newer alert's conversation. */
export const relayMovedNotice = (threadId: string): string =>
  `↪️ The member's conversation continues in the thread of their newer alert: <#${threadId}>. Messages here are no longer sent to them.`

/** Shown in a closed thread when a CRT member still writes there. */
export const NOT_RELAYED_CLOSED =
  "ℹ️ This conversation is closed, so this message was not sent to the member. If they write again, a new alert opens."

/** The ping in the thread when the member first answers. */
export const firstReplyPing = (crtRoleIds: ReadonlyArray<string>): string =>
  `${crtRoleIds.map((r) => `<@&${r}>`).join(" ")} 📨 The member answered. Please reply here.`.trim()
