import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import {
  type APIApplicationCommand,
  type APIApplicationCommandInteractionDataOption,
  type APIAttachment,
  type APIChatInputApplicationCommandInteraction,
  type APIInteraction,
  type APIMessage,
  type APIMessageComponentButtonInteraction,
  type APIUser,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  ChannelType,
  ComponentType,
  GatewayDispatchEvents,
  GatewayIntentBits,
  GatewayOpcodes,
  type GatewayReadyDispatchData,
  InteractionContextType,
  InteractionResponseType,
  InteractionType,
  Locale,
  MessageFlags,
  MessageType,
  RESTJSONErrorCodes,
  type Snowflake,
} from "discord-api-types/v10"
import { WebSocketServer } from "ws"
import { Gateway, type SessionView } from "./Gateway.js"
import {
  bucketOf,
  discordError,
  FaultQueue,
  faultReply,
  matchPattern,
  noContent,
  notFound,
  ok,
  type ParsedRequest,
  parseBody,
  type Reply,
  readBody,
  send,
  type UploadedFile,
} from "./httpKit.js"
import { createsMessage, InteractionState, updatesMessage } from "./Interactions.js"
import { decodeMessageBody, type MessageBody, type MessageRecord, MessageStore } from "./MessageStore.js"
import { errorTree, messageProblems, resolveMentions } from "./messageRules.js"
import { makeSnowflakes, randomSecret } from "./snowflake.js"
import type {
  ClickButtonInput,
  DiscordEmulator,
  DiscordEmulatorOptions,
  FaultSpec,
  GatewayEventRecord,
  InteractionHandle,
  MemberSaysInput,
  RegisteredCommand,
  RequestRecord,
  SlashCommandInput,
  StoredFile,
  ThreadRecord,
} from "./types.js"
import { type ChannelRecord, isTextLike, isThread, NO_FLAGS, World } from "./World.js"

const PRIVILEGED_ALL =
  GatewayIntentBits.GuildMembers | GatewayIntentBits.GuildPresences | GatewayIntentBits.MessageContent

interface RouteContext {
  readonly request: ParsedRequest
  readonly params: Readonly<Record<string, string>>
}

interface Route {
  readonly method: string
  readonly pattern: string
  /** Interaction callbacks and webhooks authenticate by their token, not the bot's. */
  readonly open?: boolean
  readonly handle: (ctx: RouteContext) => Reply
}

/**
 * A loopback Discord for the real discord.js client: REST under `/api/v10` and the gateway on one
 * 127.0.0.1 port, with a test-control API. It is strict where Discord is strict (intents, the
 * interaction deadline, message limits, explicit `allowed_mentions`) and records each breach in
 * `violations` so a test can fail on it.
 */
export const startDiscordEmulator = async (
  options: DiscordEmulatorOptions = {},
): Promise<DiscordEmulator> => {
  const nextId = makeSnowflakes()
  const log = options.log ?? (() => undefined)
  const token = options.token ?? `${randomSecret(18)}.${randomSecret(6)}.${randomSecret(27)}`
  const botUser: APIUser = {
    id: options.bot?.id ?? nextId(),
    username: options.bot?.username ?? "Ash",
    discriminator: "0",
    global_name: null,
    avatar: null,
    bot: true,
  }
  const applicationId = options.applicationId ?? botUser.id
  const deadlineMs = options.interactionDeadlineMs ?? 3_000
  const tokenTtlMs = options.interactionTokenTtlMs ?? 15 * 60_000
  const world = new World(botUser, options.guilds ?? [], nextId)
  const store = new MessageStore()
  const faults = new FaultQueue()
  const violations: string[] = []
  const requests: RequestRecord[] = []
  const gatewayEvents: GatewayEventRecord[] = []
  const interactions: InteractionState[] = []
  const byToken = new Map<string, InteractionState>()
  const registered: RegisteredCommand[] = []

  const violation = (message: string) => {
    log(`VIOLATION ${message}`)
    violations.push(message)
  }

  const server = createServer()
  const wss = new WebSocketServer({ noServer: true })
  server.on("upgrade", (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  const baseUrl = `http://127.0.0.1:${port}`
  const gatewayUrl = `ws://127.0.0.1:${port}`

  // -------------------------------------------------------------------------------------------
  // Gateway

  const guildCreate = (guildId: Snowflake) => {
    const guild = world.guild(guildId)
    if (guild === undefined) return undefined
    const channels = world.guildChannels(guildId).filter((c) => !isThread(c))
    return {
      ...guild,
      joined_at: new Date().toISOString(),
      large: false,
      unavailable: false,
      member_count: world.guildMembers(guildId).length,
      voice_states: [],
      members: world.guildMembers(guildId),
      channels,
      threads: world.threads(guildId),
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    }
  }

  const gateway = new Gateway(wss, {
    token,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 1_000,
    privilegedIntents: options.privilegedIntents ?? PRIVILEGED_ALL,
    ready: (sessionId, shard): GatewayReadyDispatchData => ({
      v: 10,
      user: botUser,
      guilds: [...world.guilds.keys()].map((id) => ({ id, unavailable: true })),
      session_id: sessionId,
      resume_gateway_url: gatewayUrl,
      shard,
      application: { id: applicationId, flags: NO_FLAGS, flags_new: "0" },
    }),
    guildCreates: () => [...world.guilds.keys()].flatMap((id) => guildCreate(id) ?? []),
    membersChunk: (request) => {
      const guildId = typeof request.guild_id === "string" ? request.guild_id : ""
      return { guild_id: guildId, members: world.guildMembers(guildId), chunk_index: 0, chunk_count: 1 }
    },
    record: (event) => {
      log(`gateway ${event.kind}${"code" in event ? ` ${event.code}` : ""}`)
      gatewayEvents.push(event)
    },
    violation,
  })

  const has = (session: SessionView, intent: GatewayIntentBits) => (session.intents & intent) !== 0

  /** MESSAGE_CREATE/UPDATE as each session may see it: no content without MESSAGE_CONTENT. */
  const dispatchMessage = (
    t: GatewayDispatchEvents.MessageCreate | GatewayDispatchEvents.MessageUpdate,
    record: MessageRecord,
  ) => {
    if (record.ephemeral) return
    const message = record.message
    const guildId = record.guildId
    const member = guildId === undefined ? undefined : world.member(guildId, message.author.id)
    const memberNoUser = member === undefined ? undefined : (({ user: _, ...rest }) => rest)(member)
    gateway.dispatch(
      t,
      (session) => {
        const needed =
          guildId === undefined ? GatewayIntentBits.DirectMessages : GatewayIntentBits.GuildMessages
        if (!has(session, needed)) return undefined
        const readable =
          has(session, GatewayIntentBits.MessageContent) ||
          guildId === undefined ||
          message.author.id === botUser.id ||
          message.mentions.some((u) => u.id === botUser.id)
        const visible = readable
          ? message
          : { ...message, content: "", embeds: [], attachments: [], components: [] }
        return {
          ...visible,
          ...(guildId === undefined ? {} : { guild_id: guildId }),
          ...(memberNoUser === undefined ? {} : { member: memberNoUser }),
        }
      },
      guildId,
    )
  }

  // -------------------------------------------------------------------------------------------
  // Messages

  const storedFiles = (files: readonly UploadedFile[], body: MessageBody): StoredFile[] =>
    files.map((file, index) => {
      const described = body.attachments?.find((a) => String(a.id) === String(index))
      const id = nextId()
      const attachment: APIAttachment = {
        id,
        filename: described?.filename ?? file.filename,
        size: file.data.byteLength,
        url: `${baseUrl}/attachments/${id}/${encodeURIComponent(file.filename)}`,
        proxy_url: `${baseUrl}/attachments/${id}/${encodeURIComponent(file.filename)}`,
        content_type: file.contentType,
        ...(described?.description === undefined ? {} : { description: described.description }),
      }
      return { attachment, data: file.data }
    })

  /** Checks a bot-sent body against Discord's rules; a Reply when Discord would refuse it. */
  const refuse = (what: string, body: MessageBody, creating: boolean): Reply | undefined => {
    const problems = messageProblems(body)
    if (problems.length > 0) {
      violation(`${what}: invalid form body ${JSON.stringify(errorTree(problems))}`)
      return discordError(
        400,
        RESTJSONErrorCodes.InvalidFormBodyOrContentType,
        "Invalid Form Body",
        errorTree(problems),
      )
    }
    const hasContent = typeof body.content === "string" && body.content !== ""
    if (hasContent && (body.allowed_mentions === undefined || body.allowed_mentions === null)) {
      violation(`${what}: content sent without explicit allowed_mentions`)
    }
    if (creating && !hasContent && (body.embeds ?? []).length === 0 && (body.components ?? []).length === 0) {
      if ((body.attachments ?? []).length === 0 && (body.flags ?? 0) === 0) {
        return discordError(400, RESTJSONErrorCodes.CannotSendAnEmptyMessage, "Cannot send an empty message")
      }
    }
    return undefined
  }

  const botMessage = (
    channel: ChannelRecord,
    body: MessageBody,
    files: StoredFile[],
    extra: { ephemeral: boolean; loading: boolean; interaction?: InteractionState; webhook?: boolean },
  ): MessageRecord => {
    const guildId = world.guildIdOf(channel.id)
    const referenceId = body.message_reference?.message_id
    const referenced = referenceId === undefined ? undefined : store.get(referenceId)?.message
    const mentions = resolveMentions(
      body.content ?? "",
      body.allowed_mentions ?? undefined,
      referenced?.author.id,
    )
    const flags = (body.flags ?? 0) | (extra.loading ? MessageFlags.Loading : 0)
    const interaction = extra.interaction
    const record = store.create({
      id: nextId(),
      channelId: channel.id,
      guildId,
      author: botUser,
      type: interaction === undefined ? MessageType.Default : MessageType.Reply,
      body: { ...body, flags },
      attachments: files.map((f) => f.attachment),
      files,
      mentions,
      mentionedUsers: mentions.users.flatMap((id) => world.user(id) ?? []),
      ...(referenced === undefined
        ? {}
        : {
            reference: {
              message_id: referenced.id,
              channel_id: referenced.channel_id,
              ...(guildId ? { guild_id: guildId } : {}),
            },
            referenced,
          }),
      ...(interaction === undefined
        ? {}
        : {
            interactionMetadata: {
              id: interaction.id,
              type: interaction.payload.type,
              user: interactionUser(interaction.payload),
              authorizing_integration_owners: interaction.payload.authorizing_integration_owners,
              ...(interaction.payload.type === InteractionType.MessageComponent
                ? { interacted_message_id: interaction.payload.message.id }
                : {}),
            } as APIMessage["interaction_metadata"] & object,
          }),
      ...(extra.webhook === true ? { webhookId: applicationId } : {}),
      ephemeral: extra.ephemeral,
      loading: extra.loading,
    })
    dispatchMessage(GatewayDispatchEvents.MessageCreate, record)
    return record
  }

  const editMessage = (id: Snowflake, body: MessageBody, files: StoredFile[]): APIMessage => {
    const record = store.get(id)
    const mentions =
      body.content === undefined || body.content === null
        ? undefined
        : resolveMentions(body.content, body.allowed_mentions ?? undefined, undefined)
    const edited = store.edit(
      id,
      body,
      {
        // Any edit ends a deferred response's "thinking…" state, whether or not it sets content.
        flags: (record?.message.flags ?? 0) & ~MessageFlags.Loading,
        ...(mentions === undefined
          ? {}
          : {
              mention_everyone: mentions.everyone,
              mention_roles: mentions.roles,
              mentions: mentions.users.flatMap((u) => world.user(u) ?? []),
            }),
      },
      files,
    )
    dispatchMessage(GatewayDispatchEvents.MessageUpdate, edited)
    return edited.message
  }

  const deleteMessage = (record: MessageRecord) => {
    store.delete(record.message.id)
    const guildId = record.guildId
    gateway.dispatch(
      GatewayDispatchEvents.MessageDelete,
      () => ({
        id: record.message.id,
        channel_id: record.message.channel_id,
        ...(guildId ? { guild_id: guildId } : {}),
      }),
      guildId,
    )
  }

  // -------------------------------------------------------------------------------------------
  // REST

  const channelOr404 = (id: string): ChannelRecord | Reply => {
    const channel = world.channels.get(id)
    return channel === undefined ? notFound(RESTJSONErrorCodes.UnknownChannel, "Channel") : channel
  }
  const isReply = (v: unknown): v is Reply => typeof v === "object" && v !== null && "status" in v

  const bodyOf = (ctx: RouteContext, what: string): MessageBody | Reply => {
    const decoded = decodeMessageBody(ctx.request.json ?? {})
    if (typeof decoded === "string") {
      violation(`${what}: field ${decoded} has the wrong type`)
      return discordError(400, RESTJSONErrorCodes.InvalidFormBodyOrContentType, "Invalid Form Body", {
        [decoded]: { _errors: [{ code: "BASE_TYPE_BAD_TYPE", message: "Wrong type" }] },
      })
    }
    return decoded
  }

  const postMessage = (ctx: RouteContext): Reply => {
    const channel = channelOr404(ctx.params.channel ?? "")
    if (isReply(channel)) return channel
    if (!isTextLike(channel))
      return discordError(
        400,
        RESTJSONErrorCodes.CannotSendMessagesInNonTextChannel,
        "Cannot send messages in a non-text channel",
      )
    if (channel.type === ChannelType.DM) {
      const recipient = channel.recipients?.[0]?.id
      if (recipient !== undefined && world.users.get(recipient)?.acceptsDms === false) {
        return discordError(
          403,
          RESTJSONErrorCodes.CannotSendMessagesToThisUser,
          "Cannot send messages to this user",
        )
      }
    }
    const body = bodyOf(ctx, `POST /channels/${channel.id}/messages`)
    if (isReply(body)) return body
    const refused = refuse(`POST /channels/${channel.id}/messages`, body, ctx.request.files.length === 0)
    if (refused !== undefined) return refused
    const files = storedFiles(ctx.request.files, body)
    return ok(botMessage(channel, body, files, { ephemeral: false, loading: false }).message)
  }

  const ownMessage = (ctx: RouteContext): MessageRecord | Reply => {
    const record = store.get(ctx.params.message ?? "")
    if (record === undefined || record.message.channel_id !== ctx.params.channel || record.ephemeral) {
      return notFound(RESTJSONErrorCodes.UnknownMessage, "Message")
    }
    return record
  }

  const patchMessage = (ctx: RouteContext): Reply => {
    const record = ownMessage(ctx)
    if (isReply(record)) return record
    if (record.message.author.id !== botUser.id) {
      return discordError(
        403,
        RESTJSONErrorCodes.CannotEditMessageAuthoredByAnotherUser,
        "Cannot edit a message authored by another user",
      )
    }
    const what = `PATCH /channels/${record.message.channel_id}/messages/${record.message.id}`
    const body = bodyOf(ctx, what)
    if (isReply(body)) return body
    const refused = refuse(what, body, false)
    if (refused !== undefined) return refused
    return ok(editMessage(record.message.id, body, storedFiles(ctx.request.files, body)))
  }

  const interactionByToken = (ctx: RouteContext): InteractionState | Reply => {
    const state = byToken.get(ctx.params.token ?? "")
    if (
      state === undefined ||
      (ctx.params.application !== undefined && ctx.params.application !== applicationId)
    ) {
      return notFound(RESTJSONErrorCodes.UnknownWebhook, "Webhook")
    }
    if (!state.tokenValid(Date.now())) {
      violation(`interaction ${state.id}: webhook used after the token expired`)
      return discordError(401, RESTJSONErrorCodes.InvalidWebhookToken, "Invalid Webhook Token")
    }
    return state
  }

  const interactionChannel = (state: InteractionState): ChannelRecord | undefined =>
    world.channels.get(state.payload.channel?.id ?? "")

  const callback = (ctx: RouteContext): Reply => {
    const state = interactions.find((i) => i.id === ctx.params.interaction)
    if (state === undefined || state.token !== ctx.params.token) {
      return notFound(RESTJSONErrorCodes.UnknownInteraction, "interaction")
    }
    const json = ctx.request.json
    const type = typeof json === "object" && json !== null && "type" in json ? Number(json.type) : Number.NaN
    const raw = typeof json === "object" && json !== null && "data" in json ? json.data : undefined
    const decoded = raw === undefined || raw === null ? {} : decodeMessageBody(raw)
    const now = Date.now()
    const answer = (status: number, reply: Reply): Reply => {
      state.recordCallback(status, type, json as never)
      return reply
    }
    if (typeof decoded === "string") {
      violation(`interaction ${state.id}: callback data field ${decoded} has the wrong type`)
      return answer(
        400,
        discordError(400, RESTJSONErrorCodes.InvalidFormBodyOrContentType, "Invalid Form Body"),
      )
    }
    if (state.acknowledged) {
      violation(`interaction ${state.id}: acknowledged twice`)
      return answer(
        400,
        discordError(
          400,
          RESTJSONErrorCodes.InteractionHasAlreadyBeenAcknowledged,
          "Interaction has already been acknowledged.",
        ),
      )
    }
    if (!state.withinDeadline(now)) {
      violation(`interaction ${state.id}: callback after ${state.age(now)} ms (deadline ${deadlineMs} ms)`)
      return answer(404, notFound(RESTJSONErrorCodes.UnknownInteraction, "interaction"))
    }
    const component =
      state.payload.type === InteractionType.MessageComponent ? state.payload.message : undefined
    const channel = interactionChannel(state)
    if (updatesMessage(type) && component === undefined) {
      violation(`interaction ${state.id}: callback type ${type} on an interaction without a message`)
      return answer(
        400,
        discordError(
          400,
          RESTJSONErrorCodes.InvalidFormBodyOrContentType,
          "Invalid interaction response type",
        ),
      )
    }
    if (!createsMessage(type) && !updatesMessage(type)) {
      violation(`interaction ${state.id}: unsupported callback type ${type}`)
      return answer(
        400,
        discordError(
          400,
          RESTJSONErrorCodes.InvalidFormBodyOrContentType,
          "Invalid interaction response type",
        ),
      )
    }
    if (
      type === InteractionResponseType.ChannelMessageWithSource ||
      type === InteractionResponseType.UpdateMessage
    ) {
      const refused = refuse(
        `interaction ${state.id} callback`,
        decoded,
        type === InteractionResponseType.ChannelMessageWithSource,
      )
      if (refused !== undefined) return answer(refused.status, refused)
    }
    let message: APIMessage | undefined
    if (createsMessage(type) && channel !== undefined) {
      const flags = decoded.flags ?? 0
      const record = botMessage(channel, decoded, storedFiles(ctx.request.files, decoded), {
        ephemeral: (flags & MessageFlags.Ephemeral) !== 0,
        loading: type === InteractionResponseType.DeferredChannelMessageWithSource,
        interaction: state,
      })
      state.replies.push(record.message)
      message = record.message
    } else if (component !== undefined) {
      message =
        type === InteractionResponseType.UpdateMessage
          ? editMessage(component.id, decoded, storedFiles(ctx.request.files, decoded))
          : component
    }
    state.originalId = message?.id
    if (ctx.request.query.get("with_response") !== "true") return answer(204, noContent)
    return answer(
      200,
      ok({
        interaction: {
          id: state.id,
          type: state.payload.type,
          response_message_id: message?.id,
          response_message_loading: type === InteractionResponseType.DeferredChannelMessageWithSource,
          response_message_ephemeral: ((decoded.flags ?? 0) & MessageFlags.Ephemeral) !== 0,
        },
        resource: { type, ...(message === undefined ? {} : { message }) },
      }),
    )
  }

  const original = (state: InteractionState): MessageRecord | undefined =>
    state.originalId === undefined ? undefined : store.get(state.originalId)

  const editOriginal = (ctx: RouteContext): Reply => {
    const state = interactionByToken(ctx)
    if (isReply(state)) return state
    const json = ctx.request.json ?? {}
    const respond = (reply: Reply): Reply => {
      state.recordEdit(reply.status, json as never)
      return reply
    }
    const record = ctx.params.message === "@original" ? original(state) : store.get(ctx.params.message ?? "")
    if (record === undefined) return respond(notFound(RESTJSONErrorCodes.UnknownMessage, "Message"))
    const body = bodyOf(ctx, `interaction ${state.id} edit`)
    if (isReply(body)) return respond(body)
    const refused = refuse(`interaction ${state.id} edit`, body, false)
    if (refused !== undefined) return respond(refused)
    return respond(ok(editMessage(record.message.id, body, storedFiles(ctx.request.files, body))))
  }

  const followUp = (ctx: RouteContext): Reply => {
    const state = interactionByToken(ctx)
    if (isReply(state)) return state
    const json = ctx.request.json ?? {}
    const respond = (reply: Reply): Reply => {
      state.recordFollowUp(reply.status, json as never)
      return reply
    }
    if (!state.acknowledged) {
      violation(`interaction ${state.id}: follow-up before the interaction was acknowledged`)
      return respond(notFound(RESTJSONErrorCodes.UnknownWebhook, "Webhook"))
    }
    const channel = interactionChannel(state)
    if (channel === undefined) return respond(notFound(RESTJSONErrorCodes.UnknownChannel, "Channel"))
    const body = bodyOf(ctx, `interaction ${state.id} follow-up`)
    if (isReply(body)) return respond(body)
    const refused = refuse(`interaction ${state.id} follow-up`, body, ctx.request.files.length === 0)
    if (refused !== undefined) return respond(refused)
    const loading = original(state)
    // A follow-up to a deferred reply that was never edited becomes that reply, as on Discord.
    if (loading?.loading === true) {
      return respond(ok(editMessage(loading.message.id, body, storedFiles(ctx.request.files, body))))
    }
    const record = botMessage(channel, body, storedFiles(ctx.request.files, body), {
      ephemeral: ((body.flags ?? 0) & MessageFlags.Ephemeral) !== 0,
      loading: false,
      interaction: state,
      webhook: true,
    })
    state.replies.push(record.message)
    return respond(ok(record.message))
  }

  const getOriginal = (ctx: RouteContext): Reply => {
    const state = interactionByToken(ctx)
    if (isReply(state)) return state
    const record = original(state)
    const reply =
      record === undefined ? notFound(RESTJSONErrorCodes.UnknownMessage, "Message") : ok(record.message)
    state.recordOriginal("get-original", reply.status)
    return reply
  }

  const deleteOriginal = (ctx: RouteContext): Reply => {
    const state = interactionByToken(ctx)
    if (isReply(state)) return state
    const record = original(state)
    if (record !== undefined) deleteMessage(record)
    const reply = record === undefined ? notFound(RESTJSONErrorCodes.UnknownMessage, "Message") : noContent
    state.recordOriginal("delete-original", reply.status)
    return reply
  }

  const commandsOf = (guildId: Snowflake | undefined) => registered.filter((c) => c.guildId === guildId)

  const toCommand = (
    raw: unknown,
    guildId: Snowflake | undefined,
    previous?: APIApplicationCommand,
  ): APIApplicationCommand | string => {
    if (typeof raw !== "object" || raw === null || !("name" in raw) || typeof raw.name !== "string")
      return "name"
    if (!/^[-_\p{L}\p{N}]{1,32}$/u.test(raw.name)) return "name"
    const fields = raw as Partial<APIApplicationCommand>
    const type = fields.type ?? ApplicationCommandType.ChatInput
    if (
      type === ApplicationCommandType.ChatInput &&
      (typeof fields.description !== "string" || fields.description.length > 100)
    ) {
      return "description"
    }
    return {
      ...(fields as APIApplicationCommand),
      id: previous?.id ?? nextId(),
      application_id: applicationId,
      type,
      description: fields.description ?? "",
      version: nextId(),
      default_member_permissions: fields.default_member_permissions ?? null,
      ...(guildId === undefined ? {} : { guild_id: guildId }),
    }
  }

  const putCommands = (ctx: RouteContext): Reply => {
    const guildId = ctx.params.guild
    const list = ctx.request.json
    if (!Array.isArray(list))
      return discordError(400, RESTJSONErrorCodes.InvalidFormBodyOrContentType, "Invalid Form Body")
    const old = commandsOf(guildId)
    const built: APIApplicationCommand[] = []
    for (const raw of list) {
      const name = typeof raw === "object" && raw !== null && "name" in raw ? raw.name : undefined
      const command = toCommand(raw, guildId, old.find((c) => c.command.name === name)?.command)
      if (typeof command === "string") {
        violation(`command registration: invalid ${command} in ${JSON.stringify(raw)}`)
        return discordError(400, RESTJSONErrorCodes.InvalidFormBodyOrContentType, "Invalid Form Body")
      }
      built.push(command)
    }
    for (const c of old) registered.splice(registered.indexOf(c), 1)
    for (const command of built) registered.push({ guildId, command })
    return ok(built)
  }

  const postCommand = (ctx: RouteContext): Reply => {
    const guildId = ctx.params.guild
    const raw = ctx.request.json
    const name = typeof raw === "object" && raw !== null && "name" in raw ? raw.name : undefined
    const existing = commandsOf(guildId).find((c) => c.command.name === name)
    const command = toCommand(raw, guildId, existing?.command)
    if (typeof command === "string") {
      violation(`command registration: invalid ${command}`)
      return discordError(400, RESTJSONErrorCodes.InvalidFormBodyOrContentType, "Invalid Form Body")
    }
    if (existing !== undefined) registered.splice(registered.indexOf(existing), 1)
    registered.push({ guildId, command })
    return { status: existing === undefined ? 201 : 200, body: command }
  }

  const createThread = (ctx: RouteContext): Reply => {
    const parent = world.channels.get(ctx.params.channel ?? "")
    if (
      parent === undefined ||
      (parent.type !== ChannelType.GuildText && parent.type !== ChannelType.GuildAnnouncement)
    ) {
      return notFound(RESTJSONErrorCodes.UnknownChannel, "Channel")
    }
    const json = (ctx.request.json ?? {}) as Record<string, unknown>
    const name = typeof json.name === "string" ? json.name : ""
    if (name.length < 1 || name.length > 100) {
      violation(`thread name must be 1-100 characters, got ${name.length}`)
      return discordError(400, RESTJSONErrorCodes.InvalidFormBodyOrContentType, "Invalid Form Body")
    }
    const fromMessage = ctx.params.message
    const type =
      fromMessage !== undefined
        ? ChannelType.PublicThread
        : json.type === ChannelType.PublicThread
          ? ChannelType.PublicThread
          : ChannelType.PrivateThread
    const archive = json.auto_archive_duration
    const thread = world.createThread(parent, {
      ...(fromMessage === undefined ? {} : { id: fromMessage }),
      type,
      name,
      ownerId: botUser.id,
      autoArchiveDuration: archive === 60 || archive === 4320 || archive === 10080 ? archive : 1440,
      invitable: json.invitable !== false,
    })
    gateway.dispatch(
      GatewayDispatchEvents.ThreadCreate,
      () => ({ ...thread, newly_created: true }),
      thread.guild_id,
    )
    return { status: 201, body: thread }
  }

  const addThreadMember = (ctx: RouteContext): Reply => {
    const thread = world.channels.get(ctx.params.channel ?? "")
    const members = world.threadMembers.get(ctx.params.channel ?? "")
    if (thread === undefined || !isThread(thread) || members === undefined) {
      return notFound(RESTJSONErrorCodes.UnknownChannel, "Channel")
    }
    const userId = ctx.params.user === "@me" ? botUser.id : (ctx.params.user ?? "")
    if (thread.guild_id === undefined || world.member(thread.guild_id, userId) === undefined) {
      return notFound(RESTJSONErrorCodes.UnknownMember, "Member")
    }
    members.add(userId)
    return noContent
  }

  const routes: Route[] = [
    {
      method: "GET",
      pattern: "/gateway/bot",
      handle: () =>
        ok({
          url: gatewayUrl,
          shards: 1,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 },
        }),
    },
    { method: "GET", pattern: "/gateway", open: true, handle: () => ok({ url: gatewayUrl }) },
    { method: "GET", pattern: "/users/@me", handle: () => ok(botUser) },
    {
      method: "GET",
      pattern: "/users/:user",
      handle: (ctx) => {
        const user = world.user(ctx.params.user ?? "")
        return user === undefined ? notFound(RESTJSONErrorCodes.UnknownUser, "User") : ok(user)
      },
    },
    {
      method: "GET",
      pattern: "/applications/@me",
      handle: () =>
        ok({ id: applicationId, name: botUser.username, flags: 0, bot: botUser, description: "" }),
    },
    {
      method: "POST",
      pattern: "/users/@me/channels",
      handle: (ctx) => {
        const json = ctx.request.json
        const recipient =
          typeof json === "object" && json !== null && "recipient_id" in json ? String(json.recipient_id) : ""
        const channel = world.dmChannel(recipient)
        return channel === undefined ? notFound(RESTJSONErrorCodes.UnknownUser, "User") : ok(channel)
      },
    },
    {
      method: "GET",
      pattern: "/channels/:channel",
      handle: (ctx) => {
        const channel = channelOr404(ctx.params.channel ?? "")
        return isReply(channel) ? channel : ok(channel)
      },
    },
    { method: "POST", pattern: "/channels/:channel/messages", handle: postMessage },
    {
      method: "GET",
      pattern: "/channels/:channel/messages",
      handle: (ctx) => {
        const channel = channelOr404(ctx.params.channel ?? "")
        if (isReply(channel)) return channel
        const limit = Math.min(100, Math.max(1, Number(ctx.request.query.get("limit") ?? 50) || 50))
        return ok(store.inChannel(channel.id).slice(-limit).reverse())
      },
    },
    {
      method: "GET",
      pattern: "/channels/:channel/messages/:message",
      handle: (ctx) => {
        const record = ownMessage(ctx)
        return isReply(record) ? record : ok(record.message)
      },
    },
    { method: "PATCH", pattern: "/channels/:channel/messages/:message", handle: patchMessage },
    {
      method: "DELETE",
      pattern: "/channels/:channel/messages/:message",
      handle: (ctx) => {
        const record = ownMessage(ctx)
        if (isReply(record)) return record
        deleteMessage(record)
        return noContent
      },
    },
    { method: "POST", pattern: "/channels/:channel/typing", handle: () => noContent },
    { method: "POST", pattern: "/channels/:channel/threads", handle: createThread },
    { method: "POST", pattern: "/channels/:channel/messages/:message/threads", handle: createThread },
    { method: "PUT", pattern: "/channels/:channel/thread-members/:user", handle: addThreadMember },
    {
      method: "GET",
      pattern: "/guilds/:guild",
      handle: (ctx) => {
        const guild = world.guild(ctx.params.guild ?? "")
        return guild === undefined ? notFound(RESTJSONErrorCodes.UnknownGuild, "Guild") : ok(guild)
      },
    },
    {
      method: "GET",
      pattern: "/guilds/:guild/channels",
      handle: (ctx) => ok(world.guildChannels(ctx.params.guild ?? "").filter((c) => !isThread(c))),
    },
    {
      method: "GET",
      pattern: "/guilds/:guild/roles",
      handle: (ctx) => ok(world.guild(ctx.params.guild ?? "")?.roles ?? []),
    },
    {
      method: "GET",
      pattern: "/guilds/:guild/members/:user",
      handle: (ctx) => {
        const member = world.member(ctx.params.guild ?? "", ctx.params.user ?? "")
        return member === undefined ? notFound(RESTJSONErrorCodes.UnknownMember, "Member") : ok(member)
      },
    },
    {
      method: "GET",
      pattern: "/applications/:application/commands",
      handle: () => ok(commandsOf(undefined).map((c) => c.command)),
    },
    { method: "PUT", pattern: "/applications/:application/commands", handle: putCommands },
    { method: "POST", pattern: "/applications/:application/commands", handle: postCommand },
    {
      method: "GET",
      pattern: "/applications/:application/guilds/:guild/commands",
      handle: (ctx) => ok(commandsOf(ctx.params.guild).map((c) => c.command)),
    },
    { method: "PUT", pattern: "/applications/:application/guilds/:guild/commands", handle: putCommands },
    { method: "POST", pattern: "/applications/:application/guilds/:guild/commands", handle: postCommand },
    { method: "POST", pattern: "/interactions/:interaction/:token/callback", open: true, handle: callback },
    { method: "POST", pattern: "/webhooks/:application/:token", open: true, handle: followUp },
    {
      method: "GET",
      pattern: "/webhooks/:application/:token/messages/@original",
      open: true,
      handle: getOriginal,
    },
    {
      method: "PATCH",
      pattern: "/webhooks/:application/:token/messages/:message",
      open: true,
      handle: editOriginal,
    },
    {
      method: "DELETE",
      pattern: "/webhooks/:application/:token/messages/@original",
      open: true,
      handle: deleteOriginal,
    },
  ]

  const route = (
    method: string,
    path: string,
  ): { route: Route; params: Record<string, string> } | undefined => {
    for (const candidate of routes) {
      if (candidate.method !== method) continue
      const params = matchPattern(candidate.pattern, path)
      if (params !== undefined) return { route: candidate, params }
    }
    return undefined
  }

  const handleHttp = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", baseUrl)
    const method = (req.method ?? "GET").toUpperCase()
    const prefix = "/api/v10"
    const raw = await readBody(req)
    if (!url.pathname.startsWith(`${prefix}/`)) {
      violation(`REST: ${method} ${url.pathname} is outside ${prefix}`)
      send(res, discordError(404, 0, "404: Not Found"), undefined)
      return
    }
    const path = decodeURIComponent(url.pathname.slice(prefix.length))
    const record = (status: number, injected: boolean) => {
      log(`${method} ${path} → ${status}${injected ? " (injected)" : ""}`)
      requests.push({ method, path, status, injected, at: Date.now() })
    }
    const found = route(method, path)
    const bucket = found === undefined ? undefined : bucketOf(method, found.route.pattern)
    const fault = faults.take(method, path)
    if (fault !== undefined) {
      const reply = faultReply(fault, bucket)
      record(reply.status, true)
      send(res, reply, bucket)
      return
    }
    if (found === undefined) {
      violation(`REST: no such route ${method} ${path}`)
      record(404, false)
      send(res, discordError(404, 0, "404: Not Found"), undefined)
      return
    }
    if (found.route.open !== true && req.headers.authorization !== `Bot ${token}`) {
      violation(`REST: ${method} ${path} without the bot's token`)
      record(401, false)
      send(res, discordError(401, 0, "401: Unauthorized"), bucket)
      return
    }
    const parsed = await parseBody(String(req.headers["content-type"] ?? ""), raw)
    if (typeof parsed === "string") {
      violation(`REST: ${method} ${path}: ${parsed}`)
      record(400, false)
      send(
        res,
        discordError(400, RESTJSONErrorCodes.InvalidFormBodyOrContentType, "400: Bad Request"),
        bucket,
      )
      return
    }
    const request: ParsedRequest = {
      method,
      path,
      query: url.searchParams,
      authorization: req.headers.authorization,
      ...parsed,
    }
    let reply: Reply
    try {
      reply = found.route.handle({ request, params: found.params })
    } catch (error) {
      violation(`REST: ${method} ${path} crashed the emulator: ${String(error)}`)
      reply = discordError(500, 0, "500: Internal Server Error")
    }
    record(reply.status, false)
    send(res, reply, bucket)
  }

  server.on("request", (req, res) => {
    handleHttp(req, res).catch((error: unknown) => {
      violation(`REST: ${String(error)}`)
      if (!res.headersSent) send(res, discordError(500, 0, "500: Internal Server Error"), undefined)
    })
  })

  // -------------------------------------------------------------------------------------------
  // Test control

  const guildOfChannel = (channelId: Snowflake): Snowflake => {
    const guildId = world.guildIdOf(channelId)
    if (guildId === undefined) throw new Error(`emulator: channel ${channelId} is not a guild channel`)
    return guildId
  }

  const memberOrThrow = (guildId: Snowflake, userId: Snowflake) => {
    const member = world.interactionMember(guildId, userId)
    if (member === undefined) throw new Error(`emulator: ${userId} is not a member of guild ${guildId}`)
    return member
  }

  const channelOrThrow = (channelId: Snowflake): ChannelRecord => {
    const channel = world.channels.get(channelId)
    if (channel === undefined) throw new Error(`emulator: no channel ${channelId}`)
    return channel
  }

  const startInteraction = (payload: APIInteraction): InteractionHandle => {
    const state = new InteractionState(
      payload.id,
      payload.token,
      payload,
      Date.now(),
      deadlineMs,
      tokenTtlMs,
      (s) => violation(`interaction ${s.id}: no callback within ${deadlineMs} ms`),
    )
    interactions.push(state)
    byToken.set(state.token, state)
    gateway.dispatch(GatewayDispatchEvents.InteractionCreate, () => payload)
    return state
  }

  const interactionBase = (guildId: Snowflake, channel: ChannelRecord, userId: Snowflake) => {
    const member = memberOrThrow(guildId, userId)
    return {
      id: nextId(),
      application_id: applicationId,
      token: `aW50ZXJhY3Rpb24${randomSecret(48)}`,
      version: 1 as const,
      guild_id: guildId,
      guild: { id: guildId, locale: Locale.EnglishUS, features: [] },
      channel,
      channel_id: channel.id,
      member,
      app_permissions: String(world.permissions(guildId, botUser.id)),
      locale: Locale.EnglishUS,
      guild_locale: Locale.EnglishUS,
      entitlements: [],
      authorizing_integration_owners: { [ApplicationIntegrationType.GuildInstall]: guildId },
      context: InteractionContextType.Guild,
      attachment_size_limit: 10 * 1024 * 1024,
    }
  }

  const optionsFor = (
    input: SlashCommandInput,
    command: APIApplicationCommand,
  ): APIApplicationCommandInteractionDataOption[] => {
    const declared =
      input.subcommand === undefined
        ? (command.options ?? [])
        : ((
            (command.options ?? []).find(
              (o) => o.name === input.subcommand && o.type === ApplicationCommandOptionType.Subcommand,
            ) as { options?: APIApplicationCommand["options"] } | undefined
          )?.options ?? [])
    const given = Object.entries(input.options ?? {}).map(([name, value]) => {
      const option = declared.find((o) => o.name === name)
      if (option === undefined) throw new Error(`emulator: /${input.name} has no option ${name}`)
      return { name, type: option.type, value } as APIApplicationCommandInteractionDataOption
    })
    if (input.subcommand === undefined) return given
    return [
      {
        name: input.subcommand,
        type: ApplicationCommandOptionType.Subcommand,
        options: given,
      } as APIApplicationCommandInteractionDataOption,
    ]
  }

  const emulator: DiscordEmulator = {
    port,
    baseUrl,
    apiUrl: `${baseUrl}/api`,
    gatewayUrl,
    token,
    botUser,
    applicationId,
    violations,
    interactions,
    registeredCommands: registered,
    requests,
    gatewayEvents,
    takeViolations: () => violations.splice(0, violations.length),

    memberSays: (input: MemberSaysInput): APIMessage => {
      const channel = channelOrThrow(input.channelId)
      const guildId = world.guildIdOf(channel.id)
      const author = world.user(input.userId)
      if (author === undefined) throw new Error(`emulator: no user ${input.userId}`)
      if (guildId !== undefined) memberOrThrow(guildId, input.userId)
      const referenced =
        input.messageReference === undefined ? undefined : store.get(input.messageReference)?.message
      const parsed = resolveMentions(input.content, undefined, referenced?.author.id)
      const userIds = [...new Set([...parsed.users, ...(input.mentions ?? [])])]
      const mentions = {
        ...parsed,
        users: userIds,
        roles: [...new Set([...parsed.roles, ...(input.mentionRoles ?? [])])],
      }
      const attachments: StoredFile[] = (input.attachments ?? []).map((a) => {
        const id = nextId()
        const size = a.size ?? 1024
        return {
          attachment: {
            id,
            filename: a.filename,
            size,
            url: `${baseUrl}/attachments/${id}/${encodeURIComponent(a.filename)}`,
            proxy_url: `${baseUrl}/attachments/${id}/${encodeURIComponent(a.filename)}`,
            ...(a.contentType === undefined ? {} : { content_type: a.contentType }),
          },
          data: new Uint8Array(size),
        }
      })
      const record = store.create({
        id: nextId(),
        channelId: channel.id,
        guildId,
        author,
        type: referenced === undefined ? MessageType.Default : MessageType.Reply,
        body: { content: input.content },
        attachments: attachments.map((f) => f.attachment),
        files: attachments,
        mentions,
        mentionedUsers: userIds.flatMap((id) => world.user(id) ?? []),
        ...(referenced === undefined
          ? {}
          : {
              reference: {
                message_id: referenced.id,
                channel_id: referenced.channel_id,
                ...(guildId ? { guild_id: guildId } : {}),
              },
              referenced,
            }),
        ephemeral: false,
        loading: false,
      })
      dispatchMessage(GatewayDispatchEvents.MessageCreate, record)
      return record.message
    },

    clickButton: (input: ClickButtonInput): InteractionHandle => {
      const record = store.get(input.messageId)
      if (record === undefined) throw new Error(`emulator: no message ${input.messageId}`)
      const guildId = guildOfChannel(record.message.channel_id)
      const onMessage = (record.message.components ?? []).some(
        (row) =>
          row.type === ComponentType.ActionRow &&
          row.components.some(
            (c) =>
              c.type === ComponentType.Button &&
              "custom_id" in c &&
              c.custom_id === input.customId &&
              c.disabled !== true,
          ),
      )
      if (!onMessage && input.unchecked !== true) {
        throw new Error(`emulator: message ${input.messageId} has no enabled button ${input.customId}`)
      }
      const payload = {
        ...interactionBase(guildId, channelOrThrow(record.message.channel_id), input.userId),
        type: InteractionType.MessageComponent,
        data: { custom_id: input.customId, component_type: ComponentType.Button },
        message: record.message,
      } satisfies APIMessageComponentButtonInteraction
      return startInteraction(payload)
    },

    runSlashCommand: (input: SlashCommandInput): InteractionHandle => {
      const channel = channelOrThrow(input.channelId)
      const guildId = guildOfChannel(channel.id)
      const found =
        commandsOf(guildId).find((c) => c.command.name === input.name) ??
        commandsOf(undefined).find((c) => c.command.name === input.name)
      if (found === undefined) throw new Error(`emulator: /${input.name} is not registered`)
      const payload = {
        ...interactionBase(guildId, channel, input.userId),
        type: InteractionType.ApplicationCommand,
        data: {
          id: found.command.id,
          name: found.command.name,
          type: ApplicationCommandType.ChatInput,
          options: optionsFor(input, found.command),
          ...(found.guildId === undefined ? {} : { guild_id: found.guildId }),
        },
      } satisfies APIChatInputApplicationCommandInteraction
      return startInteraction(payload)
    },

    dropGateway: (code) => gateway.drop(code),
    sendReconnect: () => gateway.sendOp(GatewayOpcodes.Reconnect, null),
    sendInvalidSession: (resumable) => gateway.sendOp(GatewayOpcodes.InvalidSession, resumable),
    setHeartbeatAcks: (enabled) => gateway.setHeartbeatAcks(enabled),
    failNext: (fault: FaultSpec) => faults.add(fault),
    setDmsOpen: (userId, open) => {
      const entry = world.users.get(userId)
      if (entry === undefined) throw new Error(`emulator: no user ${userId}`)
      entry.acceptsDms = open
    },
    setMemberRoles: (guildId, userId, roles) => {
      world.setRoles(guildId, userId, roles)
      const member = world.member(guildId, userId)
      gateway.dispatch(
        GatewayDispatchEvents.GuildMemberUpdate,
        () => ({ ...member, guild_id: guildId }),
        guildId,
      )
    },
    messages: (channelId) => store.inChannel(channelId),
    message: (messageId) => store.get(messageId)?.message,
    waitForMessage: (channelId, predicate = () => true, timeoutMs = 5_000) =>
      store.waitForMessage(channelId, predicate, timeoutMs),
    waitForEdit: (messageId, predicate = () => true, timeoutMs = 5_000) =>
      store.waitForEdit(messageId, predicate, timeoutMs),
    dmsTo: (userId) => {
      const channelId = world.dmChannelIdOf(userId)
      return channelId === undefined
        ? []
        : store.inChannel(channelId).filter((m) => m.author.id === botUser.id)
    },
    threads: (): ThreadRecord[] =>
      world
        .threads()
        .map((channel) => ({ channel, memberIds: [...(world.threadMembers.get(channel.id) ?? [])] })),
    files: (messageId) => store.get(messageId)?.files ?? [],
    stop: async () => {
      for (const state of interactions) state.close()
      store.close()
      gateway.close()
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  return emulator
}

const interactionUser = (payload: APIInteraction): APIUser => {
  const user = payload.member?.user ?? payload.user
  if (user === undefined) throw new Error("emulator: interaction without a user")
  return user
}
