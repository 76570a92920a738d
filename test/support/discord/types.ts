import type {
  APIAllowedMentions,
  APIApplicationCommand,
  APIAttachment,
  APIInteraction,
  APIMessage,
  APIThreadChannel,
  APIUser,
  ChannelType,
  InteractionResponseType,
  RESTPatchAPIInteractionOriginalResponseJSONBody,
  RESTPostAPIInteractionCallbackJSONBody,
  RESTPostAPIInteractionFollowupJSONBody,
  Snowflake,
} from "discord-api-types/v10"

export interface RoleSeed {
  readonly id: Snowflake
  readonly name: string
  /** Permission bits; default 0 (the @everyone role of each guild is added automatically). */
  readonly permissions?: bigint
  readonly color?: number
  readonly position?: number
  readonly mentionable?: boolean
}

export interface ChannelSeed {
  readonly id: Snowflake
  readonly name: string
  /** Default: a text channel. */
  readonly type?: ChannelType.GuildText | ChannelType.GuildAnnouncement | ChannelType.GuildCategory
  readonly parentId?: Snowflake
  readonly topic?: string
}

export interface MemberSeed {
  readonly id: Snowflake
  readonly username: string
  readonly globalName?: string
  readonly nick?: string
  readonly roles?: readonly Snowflake[]
  readonly bot?: boolean
  /** false makes DMs to this user fail with 403 / 50007 "Cannot send messages to this user". */
  readonly acceptsDms?: boolean
}

export interface GuildSeed {
  readonly id: Snowflake
  readonly name?: string
  readonly ownerId?: Snowflake
  readonly roles?: readonly RoleSeed[]
  readonly channels?: readonly ChannelSeed[]
  readonly members?: readonly MemberSeed[]
  /** Roles given to the bot's own member in this guild. */
  readonly botRoles?: readonly Snowflake[]
}

export interface DiscordEmulatorOptions {
  /** Bot token the client must present (bare in IDENTIFY, `Bot <token>` on REST). Default: random. */
  readonly token?: string
  readonly bot?: { readonly id?: Snowflake; readonly username?: string }
  /** Default: the bot user's id, as for real applications. */
  readonly applicationId?: Snowflake
  readonly guilds?: readonly GuildSeed[]
  /** HELLO heartbeat interval. Default 1000 ms (Discord: ~41 s). */
  readonly heartbeatIntervalMs?: number
  /** Discord's interaction acknowledgement deadline. Default 3000 ms. */
  readonly interactionDeadlineMs?: number
  /** Lifetime of an interaction token for webhooks (editReply, followUp). Default 15 min. */
  readonly interactionTokenTtlMs?: number
  /**
   * Privileged intents enabled for the application in the "developer portal".
   * IDENTIFY asking for others is closed with 4014. Default: all three privileged intents.
   */
  readonly privilegedIntents?: number
  /** Called with one line per notable event (requests, gateway ops); default silent. */
  readonly log?: (line: string) => void
}

/** An injected REST fault, consumed by the next `times` matching requests. */
export interface FaultSpec {
  /** HTTP method; default any. */
  readonly method?: string
  /**
   * Path after `/api/v10`, e.g. "/channels/123/messages"; `:name` segments match any value
   * ("/channels/:id/messages"). A RegExp is tested against the decoded path.
   */
  readonly route: string | RegExp
  readonly status: number
  /** Default 1. */
  readonly times?: number
  /** Seconds, for 429 (`Retry-After` header and `retry_after` body field). Default 0.1. */
  readonly retryAfter?: number
  /** 429 only: mark the limit as global. */
  readonly global?: boolean
  /** Discord JSON error code for 4xx; default 0. */
  readonly code?: number
  readonly message?: string
}

export interface RequestRecord {
  readonly method: string
  /** Decoded path after `/api/v10`, without the query string. */
  readonly path: string
  readonly status: number
  readonly injected: boolean
  readonly at: number
}

export type GatewayEventRecord =
  | { readonly kind: "connect"; readonly at: number }
  | {
      readonly kind: "identify"
      readonly intents: number
      readonly shard: readonly [number, number]
      readonly sessionId: string
      readonly at: number
    }
  | {
      readonly kind: "resume"
      readonly sessionId: string
      readonly seq: number
      readonly replayed: number
      readonly at: number
    }
  | { readonly kind: "resume-rejected"; readonly sessionId: string; readonly at: number }
  | { readonly kind: "close"; readonly code: number; readonly by: "client" | "server"; readonly at: number }

export interface MemberSaysInput {
  readonly channelId: Snowflake
  readonly userId: Snowflake
  readonly content: string
  readonly attachments?: readonly {
    readonly filename: string
    readonly size?: number
    readonly contentType?: string
  }[]
  /** Users mentioned (their `<@id>` need not be in the content). */
  readonly mentions?: readonly Snowflake[]
  readonly mentionRoles?: readonly Snowflake[]
  /** Id of the message this one replies to. */
  readonly messageReference?: Snowflake
}

export interface ClickButtonInput {
  readonly messageId: Snowflake
  readonly customId: string
  readonly userId: Snowflake
  /** Send the click even if no enabled button with this custom_id is on the message (forged ids). */
  readonly unchecked?: boolean
}

export interface SlashCommandInput {
  readonly name: string
  readonly userId: Snowflake
  readonly channelId: Snowflake
  readonly subcommand?: string
  /** Option values by name; their types are taken from the registered command. */
  readonly options?: Readonly<Record<string, string | number | boolean>>
}

export type InteractionCall =
  | (CallBase & {
      readonly kind: "callback"
      readonly type: InteractionResponseType
      readonly body: RESTPostAPIInteractionCallbackJSONBody
    })
  | (CallBase & {
      readonly kind: "edit-original"
      readonly body: RESTPatchAPIInteractionOriginalResponseJSONBody
    })
  | (CallBase & { readonly kind: "follow-up"; readonly body: RESTPostAPIInteractionFollowupJSONBody })
  | (CallBase & { readonly kind: "get-original" | "delete-original" })

interface CallBase {
  /** The HTTP status the emulator answered with. */
  readonly status: number
  /** Milliseconds from the interaction's creation to this call. */
  readonly atMs: number
}

export interface InteractionHandle {
  readonly id: Snowflake
  readonly token: string
  readonly payload: APIInteraction
  readonly createdAt: number
  /** Callback and webhook requests for this interaction, in arrival order (live). */
  readonly calls: readonly InteractionCall[]
  /** The first callback, or undefined once the deadline passed without one. */
  readonly firstCallback: Promise<InteractionCall | undefined>
  /** Milliseconds from creation to the first accepted callback, once there is one. */
  readonly responseMs: number | undefined
  /** Messages created for this interaction: the original response, then follow-ups (ephemeral too). */
  readonly replies: readonly APIMessage[]
  waitForCall(predicate: (call: InteractionCall) => boolean, timeoutMs?: number): Promise<InteractionCall>
}

export interface ThreadRecord {
  readonly channel: APIThreadChannel
  readonly memberIds: readonly Snowflake[]
}

export interface RegisteredCommand {
  /** undefined for global commands. */
  readonly guildId: Snowflake | undefined
  readonly command: APIApplicationCommand
}

export interface StoredFile {
  readonly attachment: APIAttachment
  readonly data: Uint8Array
}

export interface DiscordEmulator {
  readonly port: number
  /** `http://127.0.0.1:PORT` */
  readonly baseUrl: string
  /** Pass as `rest.api` to discord.js (it appends `/v10`). */
  readonly apiUrl: string
  readonly gatewayUrl: string
  readonly token: string
  readonly botUser: APIUser
  readonly applicationId: Snowflake
  /** Protocol and limit violations seen so far. */
  readonly violations: readonly string[]
  readonly interactions: readonly InteractionHandle[]
  readonly registeredCommands: readonly RegisteredCommand[]
  readonly requests: readonly RequestRecord[]
  readonly gatewayEvents: readonly GatewayEventRecord[]
  /** Returns the violations so far and forgets them (for tests that expect one). */
  takeViolations(): string[]
  memberSays(input: MemberSaysInput): APIMessage
  clickButton(input: ClickButtonInput): InteractionHandle
  runSlashCommand(input: SlashCommandInput): InteractionHandle
  /** Close every gateway connection with `code`, or drop the TCP connection (1006) without one. */
  dropGateway(code?: number): void
  /** op 7 RECONNECT. */
  sendReconnect(): void
  /** op 9 INVALID_SESSION; a non-resumable one also forgets the sessions. */
  sendInvalidSession(resumable: boolean): void
  /** false stops answering heartbeats (a zombie connection). */
  setHeartbeatAcks(enabled: boolean): void
  failNext(fault: FaultSpec): void
  setDmsOpen(userId: Snowflake, open: boolean): void
  /** Replaces a member's roles and dispatches GUILD_MEMBER_UPDATE. */
  setMemberRoles(guildId: Snowflake, userId: Snowflake, roles: readonly Snowflake[]): void
  /** Non-ephemeral messages of a channel (threads and DMs are channels), oldest first. */
  messages(channelId: Snowflake): readonly APIMessage[]
  message(messageId: Snowflake): APIMessage | undefined
  /**
   * The `allowed_mentions` the bot sent with a message (its latest create or edit that had one):
   * Discord never echoes it back, so this is the only way to see it. null when none was sent,
   * undefined for an unknown message.
   */
  allowedMentions(messageId: Snowflake): APIAllowedMentions | null | undefined
  waitForMessage(
    channelId: Snowflake,
    predicate?: (m: APIMessage) => boolean,
    timeoutMs?: number,
  ): Promise<APIMessage>
  waitForEdit(
    messageId: Snowflake,
    predicate?: (m: APIMessage) => boolean,
    timeoutMs?: number,
  ): Promise<APIMessage>
  /** Messages the bot sent in its DM channel with this user. */
  dmsTo(userId: Snowflake): readonly APIMessage[]
  /** The bot's DM channel with this user (opened now if there is none), where the user can write. */
  dmChannel(userId: Snowflake): Snowflake
  threads(): readonly ThreadRecord[]
  /** Files uploaded with a message (multipart), with their bytes. */
  files(messageId: Snowflake): readonly StoredFile[]
  stop(): Promise<void>
}
