/**
 * The Discord port over discord.js: the one place that talks to the library. Every call's
 * failure is mapped once, here, to a `DiscordError` that says what went wrong in the bot's terms.
 */
import {
  type ButtonInteraction,
  ChannelType,
  type ChatInputCommandInteraction,
  Client,
  type ClientOptions,
  DiscordAPIError,
  DiscordjsError,
  DiscordjsErrorCodes,
  Events,
  GatewayIntentBits,
  HTTPError,
  type Interaction,
  type Message,
  MessageFlags,
  Partials,
  PermissionFlagsBits,
  ThreadAutoArchiveDuration,
} from "discord.js"
import { Effect, Option, Redacted, type Scope, Stream } from "effect"
import { fromEmbed, toCommandData, toCreateOptions, toEditOptions } from "./DiscordPayload.js"
import {
  type ButtonPress,
  type CommandInvocation,
  type CommandOptionValue,
  type DirectMessage,
  DiscordError,
  type DiscordService,
  failureOf,
  type IncomingMessage,
  type InteractionRef,
  type PostedMessage,
} from "./DiscordPort.js"

export interface DiscordSettings {
  readonly token: Redacted.Redacted
  /** REST base override (a rate-limit proxy or a test server); the gateway URL then comes from it. */
  readonly apiUrl: Option.Option<string>
}

/** The gateway intents the bot needs: guilds, guild messages and their content, and DMs to the bot. */
export const INTENTS = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMessages,
  GatewayIntentBits.MessageContent,
  GatewayIntentBits.DirectMessages,
]

/**
 * discord.js options; every REST call (and so the gateway URL lookup) goes through `apiUrl` when
 * set. DM channels are not in the client's cache when a member writes first: without the
 * `Channel` partial, discord.js would drop that message.
 */
export const clientOptions = (settings: DiscordSettings): ClientOptions => ({
  intents: INTENTS,
  partials: [Partials.Channel],
  ...(Option.isSome(settings.apiUrl) ? { rest: { api: settings.apiUrl.value } } : {}),
})

/** Interaction tokens live 15 minutes; after that nothing can answer them. */
const INTERACTION_LIFETIME_MS = 15 * 60_000

/**
 * discord.js refuses some calls itself, before Discord would: answering an interaction twice
 * (Discord: 400, 40060) or following one up before answering it (Discord: 404, unknown webhook).
 * They are classified as Discord's own answer would be; no HTTP status, as nothing was sent.
 */
const refusedLocally = (cause: DiscordjsError) => {
  switch (cause.code) {
    case DiscordjsErrorCodes.InteractionAlreadyReplied:
      return "rejected"
    case DiscordjsErrorCodes.InteractionNotReplied:
      return "not_found"
    default:
      return undefined
  }
}

/** A call the port refuses before sending it, because Discord would refuse it: a wrong request. */
class WrongRequest extends Error {}

const classify = (operation: string, cause: unknown): DiscordError => {
  const detail = cause instanceof Error ? cause.message : String(cause)
  if (cause instanceof WrongRequest)
    return new DiscordError({ operation, kind: "rejected", status: null, code: null, detail })
  const local = cause instanceof DiscordjsError ? refusedLocally(cause) : undefined
  if (local !== undefined)
    return new DiscordError({ operation, kind: local, status: null, code: null, detail })
  const status = cause instanceof DiscordAPIError || cause instanceof HTTPError ? cause.status : null
  const code = cause instanceof DiscordAPIError && typeof cause.code === "number" ? cause.code : null
  return new DiscordError({ operation, kind: failureOf(status, code), status, code, detail })
}

/** One discord.js call, its failure classified. */
const call = <A>(operation: string, f: () => Promise<A>): Effect.Effect<A, DiscordError> =>
  Effect.tryPromise({ try: f, catch: (cause) => classify(operation, cause) })

const missing = (operation: string, detail: string): DiscordError =>
  new DiscordError({ operation, kind: "not_found", status: null, code: null, detail })

const login = (settings: DiscordSettings, listen: (client: Client) => void) =>
  Effect.acquireRelease(
    call("login", async () => {
      const client = new Client(clientOptions(settings))
      // Listening starts before login: an event received while the bot starts is held, not lost.
      listen(client)
      const ready = new Promise<Client<true>>((resolve) => client.once(Events.ClientReady, resolve))
      try {
        await client.login(Redacted.value(settings.token))
        return await ready
      } catch (error) {
        await client.destroy()
        throw error
      }
    }),
    (client) => Effect.promise(() => client.destroy()),
  )

/** The author's roles; discord.js also lists the guild's @everyone role (the guild's id), Discord does not. */
const authorRoles = (message: Message<true>): ReadonlyArray<string> =>
  message.member === null ? [] : [...message.member.roles.cache.keys()].filter((id) => id !== message.guildId)

const toIncoming = (message: Message<true>): IncomingMessage => ({
  guildId: message.guildId,
  channelId: message.channelId,
  parentChannelId: message.channel.isThread() ? message.channel.parentId : null,
  messageId: message.id,
  author: {
    id: message.author.id,
    bot: message.author.bot,
    displayName: message.member?.displayName ?? message.author.displayName,
    avatarUrl: message.author.displayAvatarURL(),
    roleIds: authorRoles(message),
  },
  content: message.content,
  sentAt: message.createdTimestamp,
  // Discord sends the replied-to message with a reply; its author is the one replied to.
  repliedToUserId: message.reference === null ? null : (message.mentions.repliedUser?.id ?? null),
  mentionedUserIds: [...message.mentions.users.keys()],
})

const toDirect = (message: Message): DirectMessage => ({
  channelId: message.channelId,
  messageId: message.id,
  authorId: message.author.id,
  authorName: message.author.displayName,
  authorAvatarUrl: message.author.displayAvatarURL(),
  content: message.content,
  attachments: [...message.attachments.values()].map((a) => ({ name: a.name, url: a.url })),
  sentAt: message.createdTimestamp,
})

const toPosted = (message: Message): PostedMessage => ({
  channelId: message.channelId,
  messageId: message.id,
  content: message.content,
  embeds: message.embeds.map(fromEmbed),
})

/** The member's own roles: discord.js also lists the guild's @everyone role (the guild's id), Discord does not. */
const rolesOf = (interaction: ButtonInteraction | ChatInputCommandInteraction): ReadonlyArray<string> =>
  interaction.inCachedGuild()
    ? [...interaction.member.roles.cache.keys()].filter((id) => id !== interaction.guildId)
    : Array.isArray(interaction.member?.roles)
      ? interaction.member.roles
      : []

const toPress = (interaction: ButtonInteraction): ButtonPress => ({
  interaction: { id: interaction.id },
  customId: interaction.customId,
  userId: interaction.user.id,
  roleIds: rolesOf(interaction),
  guildId: interaction.guildId,
  message: toPosted(interaction.message),
})

const toCommand = (interaction: ChatInputCommandInteraction): CommandInvocation => {
  const options: Record<string, CommandOptionValue> = {}
  const top = interaction.options.data
  const leaves = top.length === 1 && top[0]?.options !== undefined ? top[0].options : top
  for (const o of leaves) {
    if (typeof o.value === "string" || typeof o.value === "number" || typeof o.value === "boolean")
      options[o.name] = o.value
  }
  return {
    interaction: { id: interaction.id },
    name: interaction.commandName,
    subcommand: interaction.options.getSubcommand(false),
    options,
    userId: interaction.user.id,
    roleIds: rolesOf(interaction),
    guildId: interaction.guildId,
    channelId: interaction.channelId,
    attachmentLimitBytes: interaction.attachmentSizeLimit,
  }
}

/** How many events of one kind are held at most (a bound on memory only). */
const HELD_LIMIT = 10_000

/** How long after login the events received are held for the features that start reading later. */
export const HOLD_MS = 30_000

/**
 * Events of one kind as a stream that any number of features may read. Events received from
 * login until `holdMs` later are held, and every reader that starts in that time receives them
 * first, in order, then the live ones: a message that arrives while the bot starts is not lost.
 */
export const heldEvents = <A>(holdMs: number = HOLD_MS) => {
  let held: Array<A> | null = []
  const readers = new Set<(a: A) => void>()
  setTimeout(() => {
    held = null
  }, holdMs).unref()
  return {
    push: (a: A): void => {
      if (held !== null && held.length < HELD_LIMIT) held.push(a)
      for (const read of readers) read(a)
    },
    stream: Stream.asyncPush<A>((emit) =>
      Effect.acquireRelease(
        Effect.sync(() => {
          for (const a of held ?? []) emit.single(a)
          const read = (a: A) => emit.single(a)
          readers.add(read)
          return read
        }),
        (read) => Effect.sync(() => readers.delete(read)),
      ),
    ),
  }
}

/** Interactions received and not yet expired, so that they can be answered by id. */
const interactionRegistry = () => {
  const open = new Map<string, ButtonInteraction | ChatInputCommandInteraction>()
  return {
    keep: (interaction: ButtonInteraction | ChatInputCommandInteraction): void => {
      open.set(interaction.id, interaction)
      setTimeout(() => open.delete(interaction.id), INTERACTION_LIFETIME_MS).unref()
    },
    find: (operation: string, ref: InteractionRef) =>
      Effect.suspend(() => {
        const found = open.get(ref.id)
        return found === undefined
          ? Effect.fail(missing(operation, `interaction ${ref.id} is unknown or expired`))
          : Effect.succeed(found)
      }),
  }
}

/** The interaction answers of the port. */
const interactionsOf = (registry: ReturnType<typeof interactionRegistry>): DiscordService["interactions"] => {
  const ephemeral = { flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } } as const
  const on = <A>(
    operation: string,
    ref: InteractionRef,
    f: (i: ButtonInteraction | ChatInputCommandInteraction) => Promise<A>,
  ) => Effect.flatMap(registry.find(operation, ref), (i) => call(operation, () => f(i)))
  return {
    deferUpdate: (ref) =>
      on("defer update", ref, async (i) => {
        if (!i.isButton()) throw new WrongRequest("only a button press can defer an update")
        await i.deferUpdate()
      }),
    deferReply: (ref, hidden) =>
      on("defer reply", ref, async (i) => {
        await i.deferReply(hidden ? { flags: MessageFlags.Ephemeral } : {})
      }),
    reply: (ref, reply) =>
      on("interaction reply", ref, async (i) => {
        await i.reply({ content: reply.content, ...ephemeral })
      }),
    followUp: (ref, reply) =>
      on("interaction follow-up", ref, async (i) => {
        await i.followUp({ content: reply.content, ...ephemeral })
      }),
    editOriginal: (ref, edit) =>
      on("edit original", ref, async (i) => {
        await i.editReply(toEditOptions(edit))
      }),
  }
}

const sendable = async (client: Client<true>, channelId: string) => {
  const channel = await client.channels.fetch(channelId)
  if (channel === null || !channel.isSendable() || !channel.isTextBased())
    throw new WrongRequest(`channel ${channelId} cannot take messages`)
  return channel
}

/** The messaging half of the port: posts, edits, reads, replies and DMs. */
const messagingOf = (client: Client<true>) =>
  ({
    post: (channelId, message) =>
      call(`post to ${channelId}`, async () => {
        const sent = await (await sendable(client, channelId)).send(toCreateOptions(message))
        return { channelId, messageId: sent.id }
      }),
    edit: (ref, edit) =>
      call(`edit message ${ref.messageId}`, async () => {
        await (await sendable(client, ref.channelId)).messages.edit(ref.messageId, toEditOptions(edit))
      }),
    read: (ref) =>
      call(`read message ${ref.messageId}`, async () => {
        // Asked of Discord every time: the client's cache may hold an older version, or a
        // message Discord no longer has.
        const channel = await sendable(client, ref.channelId)
        return toPosted(await channel.messages.fetch({ message: ref.messageId, force: true }))
      }),
    reply: (ref, message) =>
      call(`reply to ${ref.messageId}`, async () => {
        const channel = await sendable(client, ref.channelId)
        const sent = await channel.send({
          ...toCreateOptions(message),
          reply: { messageReference: ref.messageId, failIfNotExists: false },
        })
        return { channelId: ref.channelId, messageId: sent.id }
      }),
    sendDm: (userId, message) =>
      call(`DM to ${userId}`, async () => {
        const sent = await client.users.send(userId, toCreateOptions(message))
        return { channelId: sent.channelId, messageId: sent.id }
      }),
  }) satisfies Pick<DiscordService, "post" | "edit" | "read" | "reply" | "sendDm">

/** The threads half of the port: private threads, threads on messages, and the support channel. */
const threadsOf = (client: Client<true>) =>
  ({
    openPrivateThread: (channelId, name, memberIds) =>
      call(`private thread in ${channelId}`, async () => {
        const channel = await client.channels.fetch(channelId)
        if (channel === null || channel.type !== ChannelType.GuildText)
          throw new WrongRequest(`channel ${channelId} cannot hold private threads`)
        const thread = await channel.threads.create({
          name,
          type: ChannelType.PrivateThread,
          invitable: false,
        })
        for (const id of memberIds) await thread.members.add(id)
        return thread.id
      }),
    openThreadOn: (ref, name) =>
      call(`thread on ${ref.messageId}`, async () => {
        const channel = await sendable(client, ref.channelId)
        const message = await channel.messages.fetch(ref.messageId)
        // The longest idle time Discord allows: a quiet conversation stays open (and in the client's cache).
        const thread = await message.startThread({
          name,
          autoArchiveDuration: ThreadAutoArchiveDuration.OneWeek,
        })
        return thread.id
      }),
    deleteThread: (threadId) =>
      call(`delete thread ${threadId}`, async () => {
        const thread = await client.channels.fetch(threadId)
        if (thread === null || !thread.isThread())
          throw new WrongRequest(`channel ${threadId} is not a thread`)
        await thread.delete()
      }),
    channelAccess: (channelId, needs, roleIds) =>
      call(`permissions in ${channelId}`, async () => {
        const channel = await client.channels.fetch(channelId)
        if (channel === null || channel.type !== ChannelType.GuildText)
          throw new WrongRequest(`channel ${channelId} is not a text channel`)
        const bot = channel.permissionsFor(client.user)
        return {
          botLacks: needs.filter((p) => bot?.has(PermissionFlagsBits[p]) !== true),
          rolesWithoutManageThreads: roleIds.filter(
            (r) => channel.permissionsFor(r)?.has(PermissionFlagsBits.ManageThreads) !== true,
          ),
        }
      }),
  }) satisfies Pick<DiscordService, "openPrivateThread" | "openThreadOn" | "deleteThread" | "channelAccess">

/** Archiving the bot's threads, and which guilds a member shares with the bot. */
const conversationsOf = (client: Client<true>) =>
  ({
    archiveThread: (threadId) =>
      call(`archive thread ${threadId}`, async () => {
        const thread = await client.channels.fetch(threadId)
        if (thread === null || !thread.isThread())
          throw new WrongRequest(`channel ${threadId} is not a thread`)
        if (!thread.archived) await thread.setArchived(true)
      }),
    guildsOf: (userId) =>
      call(`guilds of ${userId}`, async () => {
        // Asked of Discord (not the cache: a member who left may linger there); one guild that
        // fails spoils no other, unless every one fails.
        const results = await Promise.allSettled(
          [...client.guilds.cache.values()].map((guild) =>
            guild.members.fetch({ user: userId, force: true }).then(
              () => guild.id,
              (error: unknown) => {
                // Unknown Member: not in this guild.
                if (error instanceof DiscordAPIError && error.code === 10007) return null
                throw error
              },
            ),
          ),
        )
        const found = results.flatMap((r) => (r.status === "fulfilled" && r.value !== null ? [r.value] : []))
        const failed = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []))
        if (found.length === 0 && failed.length > 0) throw failed[0]
        return found
      }),
  }) satisfies Pick<DiscordService, "archiveThread" | "guildsOf">

/** The client's incoming events, each kind held from login until its stream is consumed. */
const incomingEvents = (registry: ReturnType<typeof interactionRegistry>) => {
  const messages = heldEvents<IncomingMessage>()
  const directMessages = heldEvents<DirectMessage>()
  const presses = heldEvents<ButtonPress>()
  const commands = heldEvents<CommandInvocation>()
  const listen = (client: Client): void => {
    client.on(Events.MessageCreate, (message: Message) => {
      // Discord also sends the bot its own messages; the port passes on everyone else's.
      // System messages (a thread renamed, a member joined) are nobody's words.
      if (message.system) return
      if (message.inGuild()) {
        if (message.author.id !== message.client.user.id) messages.push(toIncoming(message))
      } else if (!message.author.bot) directMessages.push(toDirect(message))
    })
    client.on(Events.InteractionCreate, (interaction: Interaction) => {
      if (interaction.isButton()) {
        registry.keep(interaction)
        presses.push(toPress(interaction))
      } else if (interaction.isChatInputCommand()) {
        registry.keep(interaction)
        commands.push(toCommand(interaction))
      }
    })
  }
  return {
    listen,
    streams: {
      messages: messages.stream,
      directMessages: directMessages.stream,
      presses: presses.stream,
      commands: commands.stream,
    },
  }
}

/** The port over a logged-in client, for as long as the scope lasts. */
export const makeLive = (
  settings: DiscordSettings,
): Effect.Effect<DiscordService, DiscordError, Scope.Scope> =>
  Effect.gen(function* () {
    const registry = interactionRegistry()
    const incoming = incomingEvents(registry)
    const client = yield* login(settings, incoming.listen)
    return {
      botUserId: client.user.id,
      ...messagingOf(client),
      ...threadsOf(client),
      ...conversationsOf(client),
      ...incoming.streams,
      interactions: interactionsOf(registry),
      registerCommands: (commands, guildIds) =>
        call("register commands", async () => {
          const data = commands.map(toCommandData)
          const guilds = guildIds.length > 0 ? guildIds : [...client.guilds.cache.keys()]
          // Each guild on its own: one that refuses (no applications.commands scope) spoils no other.
          const results = await Promise.allSettled(
            guilds.map((id) => client.application.commands.set(data, id)),
          )
          const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []))
          if (refused.length > 0) throw refused[0]
        }),
    }
  })
