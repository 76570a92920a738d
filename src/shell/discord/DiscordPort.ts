/**
 * What the bot does on Discord, in plain data: the service behind the `Discord` tag, its data in
 * and out, and its error.
 */
import { Data, type Effect, type Stream } from "effect"
import type { ActionRow, AllowedMentions, EmbedData } from "../../core/DiscordMessage.js"

/**
 * Why a Discord call failed, as the bot needs to tell: `dm_closed` (Discord error 50007: the
 * member does not accept DMs from the bot), `forbidden` (403: missing access or permission),
 * `not_found` (unknown channel, message or interaction), `unavailable` (5xx or network, after
 * discord.js's own retries), `rejected` (any other 4xx: the request was wrong).
 */
export type DiscordFailure = "dm_closed" | "forbidden" | "not_found" | "unavailable" | "rejected"

export class DiscordError extends Data.TaggedError("DiscordError")<{
  /** What the bot was doing, e.g. `post alert to 1234`. */
  readonly operation: string
  readonly kind: DiscordFailure
  /** HTTP status, when Discord answered. */
  readonly status: number | null
  /** Discord's JSON error code (50007, 50001, …), when it sent one. */
  readonly code: number | null
  readonly detail: string
}> {
  override get message(): string {
    const code = this.code === null ? "" : ` (code ${this.code})`
    return `Discord ${this.operation} failed: ${this.kind}${code}: ${this.detail}`
  }
}

/** HTTP status 429 is waited out by the client and never surfaces; what remains is classified here. */
export const failureOf = (status: number | null, code: number | null): DiscordFailure => {
  if (code === 50007) return "dm_closed"
  if (status === 403) return "forbidden"
  if (status === 404) return "not_found"
  if (status === null || status >= 500 || status === 429) return "unavailable"
  return "rejected"
}

// ---------------------------------------------------------------------------------------------
// Data in
// ---------------------------------------------------------------------------------------------

export interface Author {
  readonly id: string
  readonly bot: boolean
  /** The member's server nickname, else their display name. */
  readonly displayName: string
  readonly avatarUrl: string | undefined
  /** The author's roles in the guild (the @everyone role left out). */
  readonly roleIds: ReadonlyArray<string>
}

/** A message someone wrote in a channel the bot can read. */
export interface IncomingMessage {
  readonly guildId: string
  readonly channelId: string
  /** The channel a thread belongs to; null outside threads. */
  readonly parentChannelId: string | null
  readonly messageId: string
  readonly author: Author
  readonly content: string
  /** Discord's timestamp of the message. */
  readonly sentAt: number
  /** The author of the message this one replies to; null when it is not a reply. */
  readonly repliedToUserId: string | null
  /** Users the message mentions. */
  readonly mentionedUserIds: ReadonlyArray<string>
}

/** A file a member sent, as a link. */
export interface Attachment {
  readonly name: string
  readonly url: string
}

/** A direct message a member wrote to the bot. */
export interface DirectMessage {
  /** The bot's DM channel with the member. */
  readonly channelId: string
  readonly messageId: string
  readonly authorId: string
  /** The member's display name (their global name, else their username). */
  readonly authorName: string
  readonly authorAvatarUrl: string | undefined
  readonly content: string
  readonly attachments: ReadonlyArray<Attachment>
  /** Discord's timestamp of the message. */
  readonly sentAt: number
}

/** An interaction to answer (within 3 s: defer, reply, or update). */
export interface InteractionRef {
  readonly id: string
}

/** A press of one of the bot's buttons. */
export interface ButtonPress {
  readonly interaction: InteractionRef
  readonly customId: string
  readonly userId: string
  /** The presser's roles in the guild (empty outside a guild). */
  readonly roleIds: ReadonlyArray<string>
  readonly guildId: string | null
  /** The message the button is on, with its embeds as posted. */
  readonly message: PostedMessage
}

export type CommandOptionValue = string | number | boolean

/** A slash command, with its sub-command and option values. */
export interface CommandInvocation {
  readonly interaction: InteractionRef
  readonly name: string
  readonly subcommand: string | null
  readonly options: Readonly<Record<string, CommandOptionValue>>
  readonly userId: string
  readonly roleIds: ReadonlyArray<string>
  readonly guildId: string | null
  readonly channelId: string
  /** The largest file the answer may carry in this server (boosts raise it); absent: 10 MiB. */
  readonly attachmentLimitBytes?: number | undefined
}

// ---------------------------------------------------------------------------------------------
// Data out
// ---------------------------------------------------------------------------------------------

export interface MessageRef {
  readonly channelId: string
  readonly messageId: string
}

/** A message as it stands on Discord. */
export interface PostedMessage extends MessageRef {
  readonly content: string
  readonly embeds: ReadonlyArray<EmbedData>
}

/** A file sent with a message (an embed shows it with `image: attachment://<name>`). */
export interface FileUpload {
  readonly name: string
  readonly data: Uint8Array
  /** Alt text, read out by screen readers. */
  readonly description?: string | undefined
}

/** A message to send. Mentions are explicit: nothing in `content` pings unless listed. */
export interface OutgoingMessage {
  readonly content?: string | null | undefined
  readonly embeds?: ReadonlyArray<EmbedData> | undefined
  readonly components?: ReadonlyArray<ActionRow> | undefined
  readonly files?: ReadonlyArray<FileUpload> | undefined
  readonly allowedMentions: AllowedMentions
}

/**
 * A new version of a message's embeds and buttons; the content, when given, replaced. Files, when
 * given, become the message's attachments (Discord keeps only the attachments an edit lists).
 */
export interface MessageEdit {
  readonly content?: string | undefined
  readonly embeds: ReadonlyArray<EmbedData>
  readonly components: ReadonlyArray<ActionRow>
  readonly files?: ReadonlyArray<FileUpload> | undefined
  readonly allowedMentions: AllowedMentions
}

/** An answer only the person who acted sees. */
export interface EphemeralReply {
  readonly content: string
}

/** A slash command to register: a name, a description, and its sub-commands or options. */
export interface CommandSpec {
  readonly name: string
  readonly description: string
  readonly options: ReadonlyArray<CommandOptionSpec>
}

export interface CommandOptionSpec {
  readonly type: "subcommand" | "string" | "integer" | "boolean" | "user"
  readonly name: string
  readonly description: string
  readonly required?: boolean | undefined
  readonly choices?: ReadonlyArray<{ readonly name: string; readonly value: string }> | undefined
  readonly options?: ReadonlyArray<CommandOptionSpec> | undefined
}

/** What the bot and the CRT may do in a channel (a start-up check). */
export interface ChannelAccess {
  /** Permissions the bot lacks there, by Discord's names (e.g. `CreatePrivateThreads`). */
  readonly botLacks: ReadonlyArray<string>
  /** Roles without Manage Threads there: they do not see private threads they were not added to. */
  readonly rolesWithoutManageThreads: ReadonlyArray<string>
}

/**
 * What the bot needs in the support channel: to open a private thread and post the welcome with
 * its crisis-lines card, and (Manage Threads) to delete a thread whose welcome could not be posted.
 */
export const SUPPORT_CHANNEL_NEEDS = [
  "ViewChannel",
  "CreatePrivateThreads",
  "SendMessagesInThreads",
  "EmbedLinks",
  "ManageThreads",
] as const

/**
 * What the bot needs in an alert channel: to post the alert with its embed and buttons, and to
 * start the conversation thread on it and write there.
 */
export const ALERT_CHANNEL_NEEDS = [
  "ViewChannel",
  "SendMessages",
  "EmbedLinks",
  "ReadMessageHistory",
  "CreatePublicThreads",
  "SendMessagesInThreads",
] as const

/** A channel permission the bot checks for, by Discord's name. */
export type ChannelNeed = (typeof SUPPORT_CHANNEL_NEEDS)[number] | (typeof ALERT_CHANNEL_NEEDS)[number]

export interface DiscordService {
  /** The bot's own user id. */
  readonly botUserId: string
  readonly post: (channelId: string, message: OutgoingMessage) => Effect.Effect<MessageRef, DiscordError>
  readonly edit: (ref: MessageRef, edit: MessageEdit) => Effect.Effect<void, DiscordError>
  /** A message as it stands now (to bring an alert up to date from its posted embed). */
  readonly read: (ref: MessageRef) => Effect.Effect<PostedMessage, DiscordError>
  /** A reply to `ref` in its channel; the replied-to author is never pinged. */
  readonly reply: (ref: MessageRef, message: OutgoingMessage) => Effect.Effect<MessageRef, DiscordError>
  /** A direct message; `dm_closed` when the member does not accept DMs from the bot. */
  readonly sendDm: (userId: string, message: OutgoingMessage) => Effect.Effect<MessageRef, DiscordError>
  /** A private thread in `channelId` with `memberIds` added; returns the thread's channel id. */
  readonly openPrivateThread: (
    channelId: string,
    name: string,
    memberIds: ReadonlyArray<string>,
  ) => Effect.Effect<string, DiscordError>
  /**
   * A public thread started on a message (for the CRT: on an alert, seen by whoever sees the alert
   * channel); returns the thread's channel id, which Discord makes the message's own id.
   */
  readonly openThreadOn: (ref: MessageRef, name: string) => Effect.Effect<string, DiscordError>
  /** Delete a thread the bot opened (with its messages). */
  readonly deleteThread: (threadId: string) => Effect.Effect<void, DiscordError>
  /** Archive a thread the bot opened: it leaves the channel's list; a new message there reopens it. */
  readonly archiveThread: (threadId: string) => Effect.Effect<void, DiscordError>
  /** The guilds the bot is in that `userId` is a member of (where a member's DM belongs). */
  readonly guildsOf: (userId: string) => Effect.Effect<ReadonlyArray<string>, DiscordError>
  /** Which of `needs` the bot lacks in `channelId` (a text channel), and which of `roleIds` lack Manage Threads there. */
  readonly channelAccess: (
    channelId: string,
    needs: ReadonlyArray<ChannelNeed>,
    roleIds: ReadonlyArray<string>,
  ) => Effect.Effect<ChannelAccess, DiscordError>
  readonly interactions: {
    /** Acknowledge a button press; the message it is on is edited later with `editOriginal`. */
    readonly deferUpdate: (ref: InteractionRef) => Effect.Effect<void, DiscordError>
    /** Acknowledge a command; its answer follows with `editOriginal`. */
    readonly deferReply: (ref: InteractionRef, ephemeral: boolean) => Effect.Effect<void, DiscordError>
    /** The first and only answer, seen only by the person who acted. */
    readonly reply: (ref: InteractionRef, reply: EphemeralReply) => Effect.Effect<void, DiscordError>
    /** A further ephemeral answer after the interaction was deferred or answered. */
    readonly followUp: (ref: InteractionRef, reply: EphemeralReply) => Effect.Effect<void, DiscordError>
    /** Edit the deferred message: the pressed message after `deferUpdate`, the answer after `deferReply`. */
    readonly editOriginal: (ref: InteractionRef, edit: MessageEdit) => Effect.Effect<void, DiscordError>
  }
  /**
   * Register the bot's slash commands as guild commands (available at once, unlike global ones)
   * in `guildIds`, or in every guild the bot is in when the list is empty.
   */
  readonly registerCommands: (
    commands: ReadonlyArray<CommandSpec>,
    guildIds: ReadonlyArray<string>,
  ) => Effect.Effect<void, DiscordError>
  /** Messages in the guilds the bot is in, as they arrive. */
  readonly messages: Stream.Stream<IncomingMessage>
  /** Direct messages members write to the bot, as they arrive (never the bot's own, nor a bot's). */
  readonly directMessages: Stream.Stream<DirectMessage>
  readonly presses: Stream.Stream<ButtonPress>
  readonly commands: Stream.Stream<CommandInvocation>
}
