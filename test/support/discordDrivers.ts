/**
 * One way to drive and observe each implementation of the Discord port, so that one contract runs
 * against both: `Discord.Memory` through its control (`DiscordMemory`), and `Discord.layer` (the
 * real discord.js client) against the loopback Discord emulator through the emulator's control.
 * Both worlds hold the same guild, roles, channels and members, under the same ids.
 */
import {
  type APIAllowedMentions,
  type APIApplicationCommand,
  type APIApplicationCommandOption,
  type APIMessage,
  ApplicationCommandOptionType,
  ButtonStyle,
  ChannelType,
  ComponentType,
  InteractionResponseType,
  MessageFlags,
  PermissionFlagsBits,
} from "discord-api-types/v10"
import { Context, Effect, Layer, Option, Redacted } from "effect"
import type { ActionRow, ButtonStyleCode, EmbedData } from "../../src/core/DiscordMessage.js"
import {
  type CommandOptionSpec,
  type CommandSpec,
  Discord,
  type DiscordError,
  DiscordMemory,
} from "../../src/shell/discord/Discord.js"
import {
  type DiscordMemoryControl,
  type InteractionAnswer,
  MEMORY_BOT_ID,
  MEMORY_GUILD_ID,
  type StoredMessage,
} from "../../src/shell/discord/DiscordMemory.js"
import { startDiscordEmulator } from "./discord/Emulator.js"
import { resolveMentions } from "./discord/messageRules.js"
import type { DiscordEmulator, FaultSpec, InteractionCall, MemberSeed } from "./discord/types.js"

// ---------------------------------------------------------------------------------------------
// The world both implementations hold
// ---------------------------------------------------------------------------------------------

export const GUILD = MEMORY_GUILD_ID
export const BOT = MEMORY_BOT_ID
export const ROLE = {
  crt: "110000000000000001",
  member: "110000000000000002",
  bot: "110000000000000003",
} as const
export const CHANNEL = {
  alerts: "120000000000000001",
  lounge: "120000000000000002",
  /** Kept for a Discord outage: nothing else posts here. */
  outage: "120000000000000003",
} as const
export const USER = {
  river: "130000000000000001",
  sky: "130000000000000002",
  alex: "130000000000000003",
  sam: "130000000000000004",
  quinn: "130000000000000005",
  otherBot: "130000000000000006",
} as const

const MEMBERS: ReadonlyArray<MemberSeed> = [
  { id: USER.river, username: "river", globalName: "River", nick: "Riv", roles: [ROLE.member] },
  { id: USER.sky, username: "sky", roles: [ROLE.member] },
  { id: USER.alex, username: "crt_alex", globalName: "Alex", roles: [ROLE.crt] },
  { id: USER.sam, username: "crt_sam", globalName: "Sam", roles: [ROLE.crt, ROLE.member] },
  { id: USER.quinn, username: "quinn", roles: [ROLE.member] },
  { id: USER.otherBot, username: "another_bot", bot: true },
]

const memberOf = (userId: string): MemberSeed => {
  const member = MEMBERS.find((m) => m.id === userId)
  if (member === undefined) throw new Error(`no member ${userId} in the contract's guild`)
  return member
}

/** What Discord shows as a member's name: the server nickname, else the display name, else the username. */
export const displayNameOf = (userId: string): string => {
  const m = memberOf(userId)
  return m.nick ?? m.globalName ?? m.username
}

export const rolesOf = (userId: string): ReadonlyArray<string> => memberOf(userId).roles ?? []

// ---------------------------------------------------------------------------------------------
// What a driver shows of Discord
// ---------------------------------------------------------------------------------------------

/** `allowed_mentions` as sent, absent lists read as empty. */
export interface SentMentions {
  readonly parse: ReadonlyArray<string>
  readonly roles: ReadonlyArray<string>
  readonly users: ReadonlyArray<string>
  readonly repliedUser: boolean
}

/** Who a message actually notifies. */
export interface Pings {
  readonly roles: ReadonlyArray<string>
  readonly users: ReadonlyArray<string>
  readonly everyone: boolean
}

/** A message the bot sent, as Discord holds it now. */
export interface SeenMessage {
  readonly channelId: string
  readonly messageId: string
  readonly content: string
  readonly embeds: ReadonlyArray<EmbedData>
  readonly components: ReadonlyArray<ActionRow>
  /** The message this one replies to. */
  readonly replyTo: string | null
  readonly allowedMentions: SentMentions | null
  readonly pings: Pings
}

export interface SeenThread {
  readonly threadId: string
  readonly parentId: string
  readonly name: string
  readonly private: boolean
  readonly archived: boolean
  /** Sorted. */
  readonly memberIds: ReadonlyArray<string>
}

/** What the bot answered to one interaction, in order (only what Discord accepted). */
export type Answer =
  | { readonly _tag: "deferUpdate" }
  | { readonly _tag: "deferReply"; readonly ephemeral: boolean }
  | { readonly _tag: "reply"; readonly content: string; readonly ephemeral: boolean }
  | { readonly _tag: "followUp"; readonly content: string; readonly ephemeral: boolean }
  | {
      readonly _tag: "editOriginal"
      readonly embeds: ReadonlyArray<EmbedData>
      readonly components: ReadonlyArray<ActionRow>
    }

/** The operations a test can make Discord fail. */
export type FaultOperation = "post" | "edit" | "read" | "reply" | "openPrivateThread" | "registerCommands"

/** Discord's answer to the next request(s) instead of the real one. */
export interface Failure {
  readonly status: number
  readonly code?: number
  readonly retryAfterMs?: number
}

export interface FaultOptions {
  /** Requests to fail; default 1. */
  readonly times?: number
  /** The channel the operation is on. */
  readonly target?: string
}

export interface CommandRun {
  readonly name: string
  readonly subcommand?: string
  readonly options?: Readonly<Record<string, string | number | boolean>>
  readonly userId: string
  readonly channelId: string
}

/** Plays the members and Discord for the port under test, and reads back what the bot did. */
export interface DiscordDriver {
  /** A member writes in a channel or thread; returns the message id. */
  readonly memberSays: (input: {
    readonly channelId: string
    readonly userId: string
    readonly content: string
    /** A reply to this message (pinging its author, as Discord's client does by default). */
    readonly replyTo?: string
    /** Members mentioned (their `<@id>` in the content). */
    readonly mentions?: ReadonlyArray<string>
  }) => Effect.Effect<string>
  /** A member writes to the bot directly, with files named `attachments`; returns the message id. */
  readonly memberDms: (input: {
    readonly userId: string
    readonly content: string
    readonly attachments?: ReadonlyArray<string>
  }) => Effect.Effect<string>
  /** A member presses a button on one of the bot's messages; returns the interaction id. */
  readonly press: (input: {
    readonly messageId: string
    readonly customId: string
    readonly userId: string
  }) => Effect.Effect<string>
  /** A member runs a registered slash command; returns the interaction id. */
  readonly runCommand: (input: CommandRun) => Effect.Effect<string>
  /** A message the bot sent (dies if there is none). */
  readonly botMessage: (messageId: string) => Effect.Effect<SeenMessage>
  /** The bot's messages in a channel, oldest first. */
  readonly botMessagesIn: (channelId: string) => Effect.Effect<ReadonlyArray<SeenMessage>>
  readonly dmsTo: (userId: string) => Effect.Effect<ReadonlyArray<SeenMessage>>
  readonly threads: Effect.Effect<ReadonlyArray<SeenThread>>
  readonly answers: (interactionId: string) => Effect.Effect<ReadonlyArray<Answer>>
  /** The global slash commands, each option's `required` spelled out. */
  readonly registered: Effect.Effect<ReadonlyArray<CommandSpec>>
  readonly fail: (operation: FaultOperation, failure: Failure, options?: FaultOptions) => Effect.Effect<void>
  readonly closeDms: (userId: string) => Effect.Effect<void>
  /** Breaches of Discord's rules seen since the last call (the emulator keeps them; the twin has none). */
  readonly takeViolations: Effect.Effect<ReadonlyArray<string>>
}

export class Driver extends Context.Tag("test/DiscordDriver")<Driver, DiscordDriver>() {}

// ---------------------------------------------------------------------------------------------
// Shared shapes
// ---------------------------------------------------------------------------------------------

const sentMentions = (m: APIAllowedMentions): SentMentions => ({
  parse: [...(m.parse ?? [])],
  roles: [...(m.roles ?? [])],
  users: [...(m.users ?? [])],
  repliedUser: m.replied_user ?? false,
})

/** Discord's registered form of a command: every value option says whether it is required. */
const registeredOption = (o: CommandOptionSpec): CommandOptionSpec =>
  o.type === "subcommand"
    ? {
        type: o.type,
        name: o.name,
        description: o.description,
        options: (o.options ?? []).map(registeredOption),
      }
    : {
        type: o.type,
        name: o.name,
        description: o.description,
        required: o.required ?? false,
        ...(o.choices === undefined
          ? {}
          : { choices: o.choices.map((c) => ({ name: c.name, value: c.value })) }),
      }

const registeredCommand = (c: CommandSpec): CommandSpec => ({
  name: c.name,
  description: c.description,
  options: c.options.map(registeredOption),
})

// ---------------------------------------------------------------------------------------------
// The in-process twin
// ---------------------------------------------------------------------------------------------

const memoryDriver = (control: DiscordMemoryControl): DiscordDriver => {
  /** Who wrote each message a member wrote through the driver (a reply may ping them). */
  const authors = new Map<string, string>()
  const seen = (m: StoredMessage): SeenMessage => {
    const allowed: APIAllowedMentions = {
      parse: [],
      roles: [...m.sent.allowedMentions.roles],
      users: [],
      replied_user: m.sent.allowedMentions.repliedUser,
    }
    const replyTo = m.via._tag === "reply" ? m.via.to.messageId : null
    const repliedUser = replyTo === null ? undefined : (authors.get(replyTo) ?? BOT)
    const pings = resolveMentions(m.content, allowed, repliedUser)
    return {
      channelId: m.channelId,
      messageId: m.messageId,
      content: m.content,
      embeds: m.embeds,
      components: m.components,
      replyTo,
      allowedMentions: sentMentions(allowed),
      pings: { roles: pings.roles, users: pings.users, everyone: pings.everyone },
    }
  }
  const answer = (a: InteractionAnswer): Answer => {
    switch (a._tag) {
      case "deferUpdate":
        return a
      case "deferReply":
        return { _tag: "deferReply", ephemeral: a.ephemeral }
      // The port's replies and follow-ups are ephemeral by definition.
      case "reply":
        return { _tag: "reply", content: a.content, ephemeral: true }
      case "followUp":
        return { _tag: "followUp", content: a.content, ephemeral: true }
      case "editOriginal":
        return { _tag: "editOriginal", embeds: a.edit.embeds, components: a.edit.components }
    }
  }
  return {
    memberSays: ({ channelId, userId, content, replyTo, mentions = [] }) =>
      Effect.map(
        control.memberSays({
          channelId,
          content,
          author: {
            id: userId,
            bot: memberOf(userId).bot === true,
            displayName: displayNameOf(userId),
            avatarUrl: undefined,
            roleIds: rolesOf(userId),
          },
          repliedToUserId: replyTo === undefined ? null : (authors.get(replyTo) ?? null),
          // A reply pings the replied-to author: Discord lists them among the mentions.
          mentionedUserIds: [
            ...new Set([...mentions, ...(replyTo === undefined ? [] : [authors.get(replyTo) ?? ""])]),
          ].filter((id) => id !== ""),
        }),
        (m) => {
          authors.set(m.messageId, userId)
          return m.messageId
        },
      ),
    memberDms: ({ userId, content, attachments = [] }) =>
      Effect.map(
        control.memberDms({
          userId,
          content,
          attachments: attachments.map((name, i) => ({
            name,
            url: `https://cdn.discordapp.com/attachments/${userId}/${i}/${name}`,
          })),
        }),
        (m) => m.messageId,
      ),
    press: ({ messageId, customId, userId }) =>
      Effect.map(
        Effect.orDie(control.press({ messageId, customId, userId, roleIds: rolesOf(userId) })),
        (p) => p.interaction.id,
      ),
    runCommand: (run) =>
      Effect.map(
        control.command({
          name: run.name,
          subcommand: run.subcommand ?? null,
          options: run.options ?? {},
          userId: run.userId,
          roleIds: rolesOf(run.userId),
          guildId: GUILD,
          channelId: run.channelId,
        }),
        (c) => c.interaction.id,
      ),
    botMessage: (messageId) =>
      Effect.flatMap(control.message(messageId), (m) =>
        Option.match(m, {
          onNone: () => Effect.dieMessage(`the bot sent no message ${messageId}`),
          onSome: (found) => Effect.succeed(seen(found)),
        }),
      ),
    botMessagesIn: (channelId) =>
      Effect.map(control.messages, (all) =>
        all.filter((m) => m.channelId === channelId && m.via._tag !== "dm").map(seen),
      ),
    dmsTo: (userId) =>
      Effect.map(control.messages, (all) =>
        all.filter((m) => m.via._tag === "dm" && m.via.userId === userId).map(seen),
      ),
    threads: Effect.map(control.threads, (all) =>
      all.map((t) => ({
        threadId: t.threadId,
        parentId: t.channelId,
        name: t.name,
        private: t.visibility === "private",
        archived: t.archived,
        memberIds: [...t.memberIds].sort(),
      })),
    ),
    answers: (interactionId) => Effect.map(control.answers(interactionId), (all) => all.map(answer)),
    registered: Effect.map(control.registered, (all) => all.map(registeredCommand)),
    fail: (operation, failure, options) =>
      control.fail(
        operation,
        { status: failure.status, code: failure.code, retryAfterMs: failure.retryAfterMs },
        {
          ...(options?.times === undefined ? {} : { times: options.times }),
          ...(options?.target === undefined ? {} : { target: options.target }),
        },
      ),
    closeDms: control.closeDms,
    takeViolations: Effect.succeed([]),
  }
}

/** `Discord.Memory` with its driver; the CRT role manages threads, as in the emulator's guild. */
export const memoryImplementation: Layer.Layer<Discord | Driver> = Layer.effect(
  Driver,
  Effect.flatMap(DiscordMemory, (control) =>
    Effect.as(control.grantManageThreads(ROLE.crt), memoryDriver(control)),
  ),
).pipe(Layer.provideMerge(Discord.Memory))

// ---------------------------------------------------------------------------------------------
// discord.js against the emulator
// ---------------------------------------------------------------------------------------------

const buttonStyle = (style: ButtonStyle): ButtonStyleCode => {
  switch (style) {
    case ButtonStyle.Primary:
      return 1
    case ButtonStyle.Secondary:
      return 2
    case ButtonStyle.Success:
      return 3
    case ButtonStyle.Danger:
      return 4
    default:
      throw new Error(`the port never sends a button of style ${style}`)
  }
}

/** A component as messages and edit bodies carry it, read loosely (its type says what it is). */
interface ComponentIn {
  readonly type: ComponentType
  readonly style?: ButtonStyle | undefined
  readonly label?: string | undefined
  readonly emoji?: { readonly name?: string | null | undefined } | undefined
  readonly custom_id?: string | undefined
  readonly components?: ReadonlyArray<ComponentIn> | undefined
}

/** The bot's buttons read back; the port sends nothing else. */
const actionRows = (components: ReadonlyArray<ComponentIn>): ActionRow[] =>
  components.map((row) => {
    if (row.type !== ComponentType.ActionRow) throw new Error(`unexpected top-level component ${row.type}`)
    return {
      type: 1,
      components: (row.components ?? []).map((b) => {
        if (b.type !== ComponentType.Button || b.style === undefined || b.custom_id === undefined)
          throw new Error(`unexpected component ${JSON.stringify(b)}`)
        return {
          type: 2,
          style: buttonStyle(b.style),
          label: b.label ?? "",
          emoji: { name: b.emoji?.name ?? "" },
          customId: b.custom_id,
        }
      }),
    }
  })

/** An embed as messages and edit bodies carry it. */
interface EmbedIn {
  readonly title?: string | undefined
  readonly description?: string | undefined
  readonly color?: number | undefined
  readonly author?: { readonly name: string; readonly icon_url?: string | undefined } | undefined
  readonly fields?:
    | ReadonlyArray<{ readonly name: string; readonly value: string; readonly inline?: boolean | undefined }>
    | undefined
  readonly footer?: { readonly text: string } | undefined
  readonly timestamp?: string | undefined
}

const embedData = (e: EmbedIn): EmbedData => ({
  title: e.title ?? "",
  ...(e.description === undefined ? {} : { description: e.description }),
  color: e.color ?? 0,
  ...(e.author === undefined
    ? {}
    : {
        author: {
          name: e.author.name,
          ...(e.author.icon_url === undefined ? {} : { iconUrl: e.author.icon_url }),
        },
      }),
  fields: (e.fields ?? []).map((f) => ({ name: f.name, value: f.value, inline: f.inline ?? false })),
  ...(e.footer === undefined ? {} : { footer: { text: e.footer.text } }),
  timestamp: e.timestamp ?? "",
})

const optionSpec = (o: APIApplicationCommandOption): CommandOptionSpec => {
  const base = { name: o.name, description: o.description }
  switch (o.type) {
    case ApplicationCommandOptionType.Subcommand:
      return { ...base, type: "subcommand", options: (o.options ?? []).map(optionSpec) }
    case ApplicationCommandOptionType.String:
      return {
        ...base,
        type: "string",
        required: o.required ?? false,
        ...(o.choices === undefined
          ? {}
          : { choices: o.choices.map((c) => ({ name: c.name, value: c.value })) }),
      }
    case ApplicationCommandOptionType.Integer:
      return { ...base, type: "integer", required: o.required ?? false }
    case ApplicationCommandOptionType.Boolean:
      return { ...base, type: "boolean", required: o.required ?? false }
    default:
      throw new Error(`the port never registers an option of type ${o.type}`)
  }
}

const commandSpec = (c: APIApplicationCommand): CommandSpec => ({
  name: c.name,
  description: c.description,
  options: (c.options ?? []).map(optionSpec),
})

const isEphemeral = (flags: number | undefined): boolean => ((flags ?? 0) & MessageFlags.Ephemeral) !== 0

/** An interaction call Discord accepted, as the port's answer. */
const answerOf = (call: InteractionCall): Answer => {
  switch (call.kind) {
    case "callback": {
      const body = call.body
      switch (body.type) {
        case InteractionResponseType.DeferredMessageUpdate:
          return { _tag: "deferUpdate" }
        case InteractionResponseType.DeferredChannelMessageWithSource:
          return { _tag: "deferReply", ephemeral: isEphemeral(body.data?.flags) }
        case InteractionResponseType.ChannelMessageWithSource:
          return { _tag: "reply", content: body.data.content ?? "", ephemeral: isEphemeral(body.data.flags) }
        default:
          throw new Error(`the port never answers with callback type ${body.type}`)
      }
    }
    case "edit-original":
      return {
        _tag: "editOriginal",
        embeds: (call.body.embeds ?? []).map(embedData),
        components: actionRows(call.body.components ?? []),
      }
    case "follow-up":
      return { _tag: "followUp", content: call.body.content ?? "", ephemeral: isEphemeral(call.body.flags) }
    default:
      throw new Error(`the port never makes a ${call.kind} call`)
  }
}

const routeOf = (
  operation: FaultOperation,
  target: string | undefined,
): Pick<FaultSpec, "method" | "route"> => {
  const channel = target ?? ":channel"
  switch (operation) {
    case "post":
    case "reply":
      return { method: "POST", route: `/channels/${channel}/messages` }
    case "edit":
      return { method: "PATCH", route: `/channels/${channel}/messages/:message` }
    case "read":
      return { method: "GET", route: `/channels/${channel}/messages/:message` }
    case "openPrivateThread":
      return { method: "POST", route: `/channels/${channel}/threads` }
    case "registerCommands":
      return { method: "PUT", route: "/applications/:application/commands" }
  }
}

const liveDriver = (emulator: DiscordEmulator): DiscordDriver => {
  const seen = (m: APIMessage): SeenMessage => {
    const allowed = emulator.allowedMentions(m.id)
    return {
      channelId: m.channel_id,
      messageId: m.id,
      content: m.content,
      embeds: m.embeds.map(embedData),
      components: actionRows(m.components ?? []),
      replyTo: m.message_reference?.message_id ?? null,
      allowedMentions: allowed === null || allowed === undefined ? null : sentMentions(allowed),
      pings: { roles: m.mention_roles, users: m.mentions.map((u) => u.id), everyone: m.mention_everyone },
    }
  }
  const fromBot = (m: APIMessage) => m.author.id === emulator.botUser.id
  return {
    memberSays: ({ channelId, userId, content, replyTo, mentions }) =>
      Effect.sync(
        () =>
          emulator.memberSays({
            channelId,
            userId,
            content,
            ...(replyTo === undefined ? {} : { messageReference: replyTo }),
            ...(mentions === undefined ? {} : { mentions }),
          }).id,
      ),
    memberDms: ({ userId, content, attachments = [] }) =>
      Effect.sync(
        () =>
          emulator.memberSays({
            channelId: emulator.dmChannel(userId),
            userId,
            content,
            attachments: attachments.map((filename) => ({ filename })),
          }).id,
      ),
    press: ({ messageId, customId, userId }) =>
      Effect.sync(() => emulator.clickButton({ messageId, customId, userId }).id),
    runCommand: (run) =>
      Effect.sync(
        () =>
          emulator.runSlashCommand({
            name: run.name,
            userId: run.userId,
            channelId: run.channelId,
            ...(run.subcommand === undefined ? {} : { subcommand: run.subcommand }),
            ...(run.options === undefined ? {} : { options: run.options }),
          }).id,
      ),
    botMessage: (messageId) =>
      Effect.suspend(() => {
        const m = emulator.message(messageId)
        return m === undefined || !fromBot(m)
          ? Effect.dieMessage(`the bot sent no message ${messageId}`)
          : Effect.succeed(seen(m))
      }),
    botMessagesIn: (channelId) => Effect.sync(() => emulator.messages(channelId).filter(fromBot).map(seen)),
    dmsTo: (userId) => Effect.sync(() => emulator.dmsTo(userId).map(seen)),
    threads: Effect.sync(() =>
      emulator.threads().map(({ channel, memberIds }) => ({
        threadId: channel.id,
        parentId: channel.parent_id ?? "",
        name: channel.name,
        private: channel.type === ChannelType.PrivateThread,
        archived: channel.thread_metadata?.archived === true,
        memberIds: [...memberIds].sort(),
      })),
    ),
    answers: (interactionId) =>
      Effect.sync(() => {
        const handle = emulator.interactions.find((i) => i.id === interactionId)
        return (handle?.calls ?? []).filter((c) => c.status < 300).map(answerOf)
      }),
    registered: Effect.sync(() =>
      emulator.registeredCommands.filter((c) => c.guildId === GUILD).map((c) => commandSpec(c.command)),
    ),
    fail: (operation, failure, options) =>
      Effect.sync(() =>
        emulator.failNext({
          ...routeOf(operation, options?.target),
          status: failure.status,
          ...(options?.times === undefined ? {} : { times: options.times }),
          ...(failure.code === undefined ? {} : { code: failure.code }),
          ...(failure.retryAfterMs === undefined ? {} : { retryAfter: failure.retryAfterMs / 1000 }),
        }),
      ),
    closeDms: (userId) => Effect.sync(() => emulator.setDmsOpen(userId, false)),
    takeViolations: Effect.sync(() => emulator.takeViolations()),
  }
}

const emulator = Effect.acquireRelease(
  Effect.promise(() =>
    startDiscordEmulator({
      bot: { id: BOT, username: "Ash" },
      guilds: [
        {
          id: GUILD,
          name: "Contract Guild",
          roles: [
            { id: ROLE.crt, name: "CRT", permissions: PermissionFlagsBits.ManageThreads },
            { id: ROLE.member, name: "Member" },
            { id: ROLE.bot, name: "Ash", permissions: PermissionFlagsBits.ManageThreads },
          ],
          botRoles: [ROLE.bot],
          channels: [
            { id: CHANNEL.alerts, name: "crisis-alerts" },
            { id: CHANNEL.lounge, name: "lounge" },
            { id: CHANNEL.outage, name: "outage" },
          ],
          members: MEMBERS,
        },
      ],
    }),
  ),
  (e) => Effect.promise(() => e.stop()),
)

/** `Discord.layer` logged in to a fresh emulator, with its driver; the client goes before the emulator. */
export const liveImplementation: Layer.Layer<Discord | Driver, DiscordError> = Layer.unwrapScoped(
  Effect.map(emulator, (e) =>
    Layer.merge(
      Discord.layer({ token: Redacted.make(e.token), apiUrl: Option.some(e.apiUrl) }),
      Layer.succeed(Driver, liveDriver(e)),
    ),
  ),
)
