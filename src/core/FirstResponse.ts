/**
 * First human response seen in a message (PRODUCT.md §5): a CRT member writes in the member's
 * support thread, replies to the member, or mentions the member in the channel the alert came
 * from (or a thread of it). A message by anyone else — a member without a CRT role, a bot, the
 * member themself — never counts.
 */
import type { AlertId } from "./Alert.js"
import type { ResponseDetection } from "./milestones/Responded.js"

/** What the bot sees of a message, without its text. */
export interface SeenMessage {
  readonly channelId: string
  /** The channel a thread belongs to; null outside threads. */
  readonly parentChannelId: string | null
  readonly authorId: string
  readonly authorIsBot: boolean
  readonly authorRoleIds: ReadonlyArray<string>
  /** The author of the message this one replies to, if it is a reply. */
  readonly repliedToUserId: string | null
  readonly mentionedUserIds: ReadonlyArray<string>
}

/** What to look up for a message: the thread it is in, and the members it addresses. */
export interface ResponseCandidates {
  readonly threadId: string
  /** Replied-to member first, then mentioned ones; never the author. */
  readonly memberIds: ReadonlyArray<string>
}

/** A member's open alert, as remembered for response detection. */
export interface WatchedAlert {
  readonly alertId: AlertId
  readonly sourceChannelId: string
}

/** The open alerts found for the candidates (one lookup). */
export interface ResponseLookup {
  /** The alert whose support thread the message is in. */
  readonly thread: AlertId | null
  readonly members: ReadonlyMap<string, WatchedAlert>
}

export interface DetectedResponse {
  readonly alertId: AlertId
  readonly detection: ResponseDetection
}

/** Null when the message cannot be a first response at all (not by a CRT member): no lookup. */
export const responseCandidates = (
  message: SeenMessage,
  crtRoleIds: ReadonlyArray<string>,
): ResponseCandidates | null => {
  if (message.authorIsBot || !message.authorRoleIds.some((r) => crtRoleIds.includes(r))) return null
  const addressed = message.repliedToUserId === null ? [] : [message.repliedToUserId]
  const memberIds = [...new Set([...addressed, ...message.mentionedUserIds])].filter(
    (id) => id !== message.authorId,
  )
  return { threadId: message.channelId, memberIds }
}

const inSourceChannel = (message: SeenMessage, watched: WatchedAlert): boolean =>
  message.channelId === watched.sourceChannelId || message.parentChannelId === watched.sourceChannelId

/** The alert the message responds to, and how that was seen; a support thread comes first. */
export const matchResponse = (message: SeenMessage, lookup: ResponseLookup): DetectedResponse | null => {
  if (lookup.thread !== null) return { alertId: lookup.thread, detection: "thread_message" }
  const replied = message.repliedToUserId === null ? undefined : lookup.members.get(message.repliedToUserId)
  if (
    replied !== undefined &&
    message.repliedToUserId !== message.authorId &&
    inSourceChannel(message, replied)
  )
    return { alertId: replied.alertId, detection: "source_reply" }
  for (const id of message.mentionedUserIds) {
    const watched = lookup.members.get(id)
    if (watched !== undefined && id !== message.authorId && inSourceChannel(message, watched))
      return { alertId: watched.alertId, detection: "source_mention" }
  }
  return null
}
