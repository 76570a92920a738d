/**
 * The Discord port's in-process twin: it keeps what the bot posted, edited, replied and sent,
 * answers interactions, and lets a test play the members and the CRT (messages, presses,
 * commands) and Discord's failures (403, 50007, 404, 429, 5xx).
 */
import { Clock, Context, Effect, Option } from "effect"
import type { ActionRow } from "../../core/DiscordMessage.js"
import { channel, commandsProblem, faultBook, snowflakes } from "./DiscordMemoryParts.js"
import {
  type Attachment,
  type ButtonPress,
  type ChannelNeed,
  type CommandInvocation,
  type CommandSpec,
  type DirectMessage,
  DiscordError,
  type DiscordService,
  failureOf,
  type IncomingMessage,
  type InteractionRef,
  type MessageEdit,
  type MessageRef,
  type OutgoingMessage,
  type PostedMessage,
} from "./DiscordPort.js"

/** The port's operations, as a test names them to make one fail. */
export type Operation =
  | "post"
  | "edit"
  | "read"
  | "reply"
  | "sendDm"
  | "openPrivateThread"
  | "deleteThread"
  | "archiveThread"
  | "interaction"
  | "registerCommands"

/**
 * What Discord answers to one request instead: an HTTP status and, for 4xx, Discord's JSON error
 * code. As with discord.js, a 429 is waited out and the request sent again, and a 5xx is retried
 * up to three times, so a call fails with `unavailable` only after four 5xx in a row.
 */
export interface InjectedFailure {
  readonly status: number
  readonly code?: number | undefined
  /** For 429: how long Discord asks to wait before the request is sent again. */
  readonly retryAfterMs?: number | undefined
}

/** A message as the twin holds it. */
export interface StoredMessage extends PostedMessage {
  readonly components: ReadonlyArray<ActionRow>
  readonly sent: OutgoingMessage
  /** `post`, `reply` (with the message it answers) or `dm` (with the recipient). */
  readonly via:
    | { readonly _tag: "post" }
    | { readonly _tag: "reply"; readonly to: MessageRef }
    | { readonly _tag: "dm"; readonly userId: string }
  readonly edits: number
}

/** What the bot did with one interaction, in order. */
export type InteractionAnswer =
  | { readonly _tag: "deferUpdate" }
  | { readonly _tag: "deferReply"; readonly ephemeral: boolean }
  | { readonly _tag: "reply"; readonly content: string }
  | { readonly _tag: "followUp"; readonly content: string }
  | { readonly _tag: "editOriginal"; readonly edit: MessageEdit }

export interface BotThread {
  readonly threadId: string
  readonly channelId: string
  readonly name: string
  /**
   * The bot, which opened the thread, the members it added, and those the bot's messages there
   * mentioned (Discord adds a member a bot mentions to a private thread; a role mention adds nobody).
   */
  readonly memberIds: ReadonlyArray<string>
  /** A public thread (started on a message) is seen by everyone who sees its channel. */
  readonly visibility: "private" | "public"
  /** Archived by the bot (a member's message there reopens it). */
  readonly archived: boolean
}

export interface DiscordMemoryControl {
  /** Every message the bot sent, in order, as it stands now. */
  readonly messages: Effect.Effect<ReadonlyArray<StoredMessage>>
  readonly message: (messageId: string) => Effect.Effect<Option.Option<StoredMessage>>
  readonly answers: (interactionId: string) => Effect.Effect<ReadonlyArray<InteractionAnswer>>
  readonly threads: Effect.Effect<ReadonlyArray<BotThread>>
  readonly registered: Effect.Effect<ReadonlyArray<CommandSpec>>
  /** The guilds the commands were registered in (empty: every guild the bot is in). */
  readonly registeredIn: Effect.Effect<ReadonlyArray<string>>
  /**
   * A member writes in a channel (in one of the bot's private threads, only a member of it can);
   * returns the message as the bot receives it. Its `parentChannelId` is filled in a thread.
   */
  readonly memberSays: (
    message: Partial<IncomingMessage> & Pick<IncomingMessage, "channelId" | "content">,
  ) => Effect.Effect<IncomingMessage>
  /** Someone presses a button that is on one of the bot's messages. */
  readonly press: (input: {
    readonly messageId: string
    readonly customId: string
    readonly userId: string
    readonly roleIds: ReadonlyArray<string>
  }) => Effect.Effect<ButtonPress, DiscordError>
  readonly command: (
    input: Omit<CommandInvocation, "interaction"> & { readonly interactionId?: string },
  ) => Effect.Effect<CommandInvocation>
  /**
   * The next `times` requests of `operation` (on `target`, a channel, user or interaction id, when
   * given) get `failure` as Discord's answer; see `InjectedFailure` for the retries that follow.
   */
  readonly fail: (
    operation: Operation,
    failure: InjectedFailure,
    options?: { readonly times?: number; readonly target?: string },
  ) => Effect.Effect<void>
  /** The member no longer accepts DMs from the bot (Discord error 50007). */
  readonly closeDms: (userId: string) => Effect.Effect<void>
  /** Members with this role may manage threads, so they see (and write in) every private thread. */
  readonly grantManageThreads: (roleId: string) => Effect.Effect<void>
  /** The bot loses a permission in a channel (a thread on a message there needs `CreatePublicThreads`). */
  readonly denyBot: (channelId: string, permission: ChannelNeed) => Effect.Effect<void>
  /** A member writes to the bot in their DM channel with it. */
  readonly memberDms: (input: {
    readonly userId: string
    readonly content: string
    readonly attachments?: ReadonlyArray<Attachment>
  }) => Effect.Effect<DirectMessage>
}

/** The twin's control, next to `Discord` in `Discord.Memory`. */
export class DiscordMemory extends Context.Tag("ash/DiscordMemory")<DiscordMemory, DiscordMemoryControl>() {}

export const MEMORY_GUILD_ID = "100000000000000001"
export const MEMORY_BOT_ID = "100000000000000002"

/** Discord's answer to a request it refuses: its HTTP status and JSON error code. */
const refusal = (operation: string, status: number, code: number, detail: string): DiscordError =>
  new DiscordError({ operation, kind: failureOf(status, code), status, code, detail })

const unknownMessage = (operation: string, messageId: string) =>
  refusal(operation, 404, 10008, `Unknown Message ${messageId}`)

/** The fields of a message as the port reads it back, and nothing else. */
const postedOf = (m: PostedMessage): PostedMessage => ({
  channelId: m.channelId,
  messageId: m.messageId,
  content: m.content,
  embeds: m.embeds,
})

/** What an interaction came from: a press on one of the bot's messages, or a slash command. */
type Origin = { readonly _tag: "press"; readonly messageId: string } | { readonly _tag: "command" }

/** A message in a channel: one the bot sent, or one a member wrote. */
type Located =
  | { readonly _tag: "own"; readonly message: StoredMessage }
  | { readonly _tag: "theirs"; readonly message: IncomingMessage }

const noCommands: ReadonlyArray<CommandSpec> = []
const noGuilds: ReadonlyArray<string> = []

/** A bot message in a private thread adds each member it may ping, as Discord does. */
const mentionIn =
  (threads: Array<BotThread>) =>
  (channelId: string, message: OutgoingMessage): void => {
    const i = threads.findIndex((t) => t.threadId === channelId)
    const thread = threads[i]
    if (thread === undefined) return
    threads[i] = {
      ...thread,
      memberIds: [...new Set([...thread.memberIds, ...message.allowedMentions.users])],
    }
  }

/** The map's value for `key`, made (and kept) on first use. */
const madeOnce = <K, V>(map: Map<K, V>, key: K, make: () => V): V => {
  const known = map.get(key)
  if (known !== undefined) return known
  const made = make()
  map.set(key, made)
  return made
}

/** The permissions the bot lacks, by channel (a set per channel, made on first use). */
const deniedPermissions = () => {
  const denied = new Map<string, Set<string>>()
  return (channelId: string): Set<string> => {
    const found = denied.get(channelId) ?? new Set<string>()
    denied.set(channelId, found)
    return found
  }
}

/** The twin's state and its record of what the bot did. */
const memoryState = () => {
  const stored = new Map<string, StoredMessage>()
  const received = new Map<string, IncomingMessage>()
  const answers = new Map<string, Array<InteractionAnswer>>()
  const threads: Array<BotThread> = []
  const dmChannels = new Map<string, string>()
  const nextId = snowflakes()
  return {
    nextId,
    faults: faultBook(),
    stored,
    received,
    answers,
    /** Interactions Discord sent the bot, by id. */
    origins: new Map<string, Origin>(),
    threads,
    registered: { commands: noCommands, guildIds: noGuilds },
    closedDms: new Set<string>(),
    /** Roles with Manage Threads on the channels: they see every private thread. */
    threadManagers: new Set<string>(),
    /** Permissions the bot lacks in a channel. */
    deniedTo: deniedPermissions(),
    incoming: channel<IncomingMessage>(),
    directs: channel<DirectMessage>(),
    presses: channel<ButtonPress>(),
    commands: channel<CommandInvocation>(),
    /** The bot's DM channel with a user: one per user, opened on first use. */
    dmChannelOf: (userId: string): string => madeOnce(dmChannels, userId, nextId),
    threadOf: (channelId: string): BotThread | undefined => threads.find((t) => t.threadId === channelId),
    keep: (ref: MessageRef, message: OutgoingMessage, via: StoredMessage["via"]): MessageRef => {
      mentionIn(threads)(ref.channelId, message)
      stored.set(ref.messageId, {
        ...ref,
        content: message.content ?? "",
        embeds: message.embeds ?? [],
        components: message.components ?? [],
        sent: message,
        via,
        edits: 0,
      })
      return ref
    },
    /** The message `ref` names, in the channel it names (Discord looks in that channel only). */
    locate: (operation: string, ref: MessageRef): Effect.Effect<Located, DiscordError> =>
      Effect.suspend(() => {
        const own = stored.get(ref.messageId)
        if (own !== undefined && own.channelId === ref.channelId)
          return Effect.succeed<Located>({ _tag: "own", message: own })
        const theirs = received.get(ref.messageId)
        if (theirs !== undefined && theirs.channelId === ref.channelId)
          return Effect.succeed<Located>({ _tag: "theirs", message: theirs })
        return Effect.fail(unknownMessage(operation, ref.messageId))
      }),
    applyEdit: (message: StoredMessage, edit: MessageEdit): void => {
      stored.set(message.messageId, {
        ...message,
        embeds: edit.embeds,
        components: edit.components,
        edits: message.edits + 1,
      })
    },
    answersOf: (id: string): Array<InteractionAnswer> => {
      const list = answers.get(id) ?? []
      answers.set(id, list)
      return list
    },
  }
}

type MemoryState = ReturnType<typeof memoryState>

const acknowledgementOf = (list: ReadonlyArray<InteractionAnswer>): InteractionAnswer | undefined =>
  list.find((a) => a._tag === "deferUpdate" || a._tag === "deferReply" || a._tag === "reply")

/**
 * Interaction answers with Discord's rules: only interactions Discord sent can be answered; one
 * acknowledgement (a second is 40060), and follow-ups and edits only after it (before it the
 * interaction's webhook is unknown, 10015). `editOriginal` edits the pressed message after
 * `deferUpdate`, and the bot's own answer after `reply` or `deferReply`.
 */
const memoryInteractions = (s: MemoryState): DiscordService["interactions"] => {
  const answer = (what: string, ref: InteractionRef, a: InteractionAnswer, needsAck: boolean) =>
    Effect.flatMap(s.faults.check("interaction", ref.id, what), () =>
      Effect.suspend(() => {
        if (!s.origins.has(ref.id)) return Effect.fail(refusal(what, 404, 10062, "Unknown interaction"))
        const list = s.answersOf(ref.id)
        const acknowledged = acknowledgementOf(list) !== undefined
        if (!needsAck && acknowledged)
          return Effect.fail(refusal(what, 400, 40060, "Interaction has already been acknowledged."))
        if (needsAck && !acknowledged) return Effect.fail(refusal(what, 404, 10015, "Unknown Webhook"))
        list.push(a)
        return Effect.void
      }),
    )
  return {
    deferUpdate: (ref) =>
      s.origins.get(ref.id)?._tag === "command"
        ? Effect.fail(refusal("defer update", 400, 50035, "only a button press can defer an update"))
        : answer("defer update", ref, { _tag: "deferUpdate" }, false),
    deferReply: (ref, ephemeral) => answer("defer reply", ref, { _tag: "deferReply", ephemeral }, false),
    reply: (ref, r) => answer("interaction reply", ref, { _tag: "reply", content: r.content }, false),
    followUp: (ref, r) =>
      answer("interaction follow-up", ref, { _tag: "followUp", content: r.content }, true),
    editOriginal: (ref, edit) =>
      Effect.flatMap(answer("edit original", ref, { _tag: "editOriginal", edit }, true), () =>
        Effect.sync(() => {
          const origin = s.origins.get(ref.id)
          if (origin?._tag !== "press" || acknowledgementOf(s.answersOf(ref.id))?._tag !== "deferUpdate")
            return
          const message = s.stored.get(origin.messageId)
          if (message !== undefined) s.applyEdit(message, edit)
        }),
      ),
  }
}

/** Thread names are 1 to 100 characters. */
const badThreadName = (name: string): boolean => name.length < 1 || name.length > 100

/** Posting, editing, reading, replying and DMs. */
const memoryMessaging = (s: MemoryState) =>
  ({
    post: (channelId, message) =>
      Effect.flatMap(s.faults.check("post", channelId, `post to ${channelId}`), () =>
        Effect.sync(() => s.keep({ channelId, messageId: s.nextId() }, message, { _tag: "post" })),
      ),
    edit: (ref, edit) => {
      const what = `edit message ${ref.messageId}`
      return Effect.flatMap(s.faults.check("edit", ref.channelId, what), () =>
        Effect.flatMap(s.locate(what, ref), (found) =>
          found._tag === "own"
            ? Effect.sync(() => s.applyEdit(found.message, edit))
            : Effect.fail(refusal(what, 403, 50005, "Cannot edit a message authored by another user")),
        ),
      )
    },
    read: (ref) => {
      const what = `read message ${ref.messageId}`
      return Effect.flatMap(s.faults.check("read", ref.channelId, what), () =>
        Effect.map(s.locate(what, ref), (found) =>
          found._tag === "own"
            ? postedOf(found.message)
            : {
                channelId: ref.channelId,
                messageId: ref.messageId,
                content: found.message.content,
                embeds: [],
              },
        ),
      )
    },
    reply: (ref, message) => {
      const what = `reply to ${ref.messageId}`
      return Effect.flatMap(s.faults.check("reply", ref.channelId, what), () =>
        Effect.map(Effect.option(s.locate(what, ref)), (found) => {
          // A reply to a message not (or no longer) in the channel goes out as a plain message:
          // the port asks Discord not to fail it.
          const via: StoredMessage["via"] = Option.isSome(found)
            ? { _tag: "reply", to: ref }
            : { _tag: "post" }
          return s.keep({ channelId: ref.channelId, messageId: s.nextId() }, message, via)
        }),
      )
    },
    sendDm: (userId, message) =>
      Effect.flatMap(s.faults.check("sendDm", userId, `DM to ${userId}`), () =>
        s.closedDms.has(userId)
          ? Effect.fail(refusal(`DM to ${userId}`, 403, 50007, "Cannot send messages to this user"))
          : Effect.sync(() =>
              s.keep({ channelId: s.dmChannelOf(userId), messageId: s.nextId() }, message, {
                _tag: "dm",
                userId,
              }),
            ),
      ),
  }) satisfies Pick<DiscordService, "post" | "edit" | "read" | "reply" | "sendDm">

/** Private threads: opened with their members, seen by their members and those managing threads. */
const memoryThreads = (s: MemoryState) =>
  ({
    openPrivateThread: (channelId, name, memberIds) => {
      const what = `private thread in ${channelId}`
      return Effect.flatMap(s.faults.check("openPrivateThread", channelId, what), () =>
        badThreadName(name)
          ? Effect.fail(refusal(what, 400, 50035, "thread name must be 1 to 100 characters"))
          : Effect.sync(() => {
              const threadId = s.nextId()
              const members = [...new Set([MEMORY_BOT_ID, ...memberIds])]
              s.threads.push({
                threadId,
                channelId,
                name,
                memberIds: members,
                visibility: "private",
                archived: false,
              })
              return threadId
            }),
      )
    },
    openThreadOn: (ref, name) => {
      const what = `thread on ${ref.messageId}`
      return Effect.flatMap(s.faults.check("openPrivateThread", ref.channelId, what), () =>
        Effect.flatMap(s.locate(what, ref), () =>
          badThreadName(name)
            ? Effect.fail(refusal(what, 400, 50035, "thread name must be 1 to 100 characters"))
            : s.deniedTo(ref.channelId).has("CreatePublicThreads")
              ? Effect.fail(refusal(what, 403, 50013, "Missing Permissions"))
              : s.threadOf(ref.messageId) !== undefined
                ? Effect.fail(
                    refusal(what, 400, 160004, "A thread has already been created for this message"),
                  )
                : Effect.sync(() => {
                    s.threads.push({
                      threadId: ref.messageId,
                      channelId: ref.channelId,
                      name,
                      memberIds: [MEMORY_BOT_ID],
                      visibility: "public",
                      archived: false,
                    })
                    return ref.messageId
                  }),
        ),
      )
    },
    deleteThread: (threadId) => {
      const what = `delete thread ${threadId}`
      return Effect.flatMap(s.faults.check("deleteThread", threadId, what), () =>
        Effect.suspend(() => {
          const i = s.threads.findIndex((t) => t.threadId === threadId)
          if (i < 0) return Effect.fail(refusal(what, 404, 10003, "Unknown Channel"))
          s.threads.splice(i, 1)
          return Effect.void
        }),
      )
    },
    channelAccess: (channelId, needs, roleIds) =>
      Effect.sync(() => ({
        botLacks: needs.filter((p) => s.deniedTo(channelId).has(p)),
        rolesWithoutManageThreads: roleIds.filter((r) => !s.threadManagers.has(r)),
      })),
  }) satisfies Pick<DiscordService, "openPrivateThread" | "openThreadOn" | "deleteThread" | "channelAccess">

/** Archived threads, and the twin's one guild. */
const memoryConversations = (s: MemoryState) =>
  ({
    archiveThread: (threadId) => {
      const what = `archive thread ${threadId}`
      return Effect.flatMap(s.faults.check("archiveThread", threadId, what), () =>
        Effect.suspend(() => {
          const i = s.threads.findIndex((t) => t.threadId === threadId)
          const thread = s.threads[i]
          if (thread === undefined) return Effect.fail(refusal(what, 404, 10003, "Unknown Channel"))
          s.threads[i] = { ...thread, archived: true }
          return Effect.void
        }),
      )
    },
    // The twin has one guild, and everyone who writes is a member of it.
    guildsOf: () => Effect.succeed([MEMORY_GUILD_ID]),
  }) satisfies Pick<DiscordService, "archiveThread" | "guildsOf">

const hasButton = (message: StoredMessage, customId: string): boolean =>
  message.components.some((row) => row.components.some((b) => b.customId === customId))

/** A message's fields a test leaves out: an ordinary member writing, now. */
const incomingDefaults = (s: MemoryState, channelId: string, now: number): IncomingMessage => ({
  guildId: MEMORY_GUILD_ID,
  channelId,
  content: "",
  parentChannelId: s.threadOf(channelId)?.channelId ?? null,
  messageId: s.nextId(),
  author: { id: "100000000000000099", bot: false, displayName: "Member", avatarUrl: undefined, roleIds: [] },
  sentAt: now,
  repliedToUserId: null,
  mentionedUserIds: [],
})

/** A private thread is seen by its members and by those whose roles may manage threads. */
const seesThread = (s: MemoryState, t: BotThread, author: IncomingMessage["author"]): boolean =>
  t.visibility === "public" ||
  t.memberIds.includes(author.id) ||
  author.roleIds.some((r) => s.threadManagers.has(r))

/** The members writing: in a channel or thread, or to the bot directly. */
const memoryMembers = (s: MemoryState): Pick<DiscordMemoryControl, "memberSays" | "memberDms"> => ({
  memberSays: (m) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const message: IncomingMessage = {
        ...incomingDefaults(s, m.channelId, now),
        ...m,
      }
      const thread = s.threadOf(message.channelId)
      if (thread !== undefined && !seesThread(s, thread, message.author))
        return Effect.dieMessage(
          `${message.author.id} is not a member of the private thread ${thread.threadId}`,
        )
      s.received.set(message.messageId, message)
      s.incoming.emit(message)
      return Effect.succeed(message)
    }),
  memberDms: ({ userId, content, attachments = [] }) =>
    Effect.map(Clock.currentTimeMillis, (now) => {
      const message: DirectMessage = {
        channelId: s.dmChannelOf(userId),
        messageId: s.nextId(),
        authorId: userId,
        authorName: "Member",
        authorAvatarUrl: undefined,
        content,
        attachments,
        sentAt: now,
      }
      s.directs.emit(message)
      return message
    }),
})

/** What a test does as the members, the CRT and Discord itself. */
const memoryControl = (s: MemoryState): DiscordMemoryControl => ({
  messages: Effect.sync(() => [...s.stored.values()]),
  message: (id) => Effect.sync(() => Option.fromNullable(s.stored.get(id))),
  answers: (id) => Effect.sync(() => [...(s.answers.get(id) ?? [])]),
  threads: Effect.sync(() => [...s.threads]),
  registered: Effect.sync(() => [...s.registered.commands]),
  registeredIn: Effect.sync(() => [...s.registered.guildIds]),
  press: (input) =>
    Effect.flatMap(
      Option.match(Option.fromNullable(s.stored.get(input.messageId)), {
        onNone: () => Effect.fail(unknownMessage("press", input.messageId)),
        onSome: Effect.succeed,
      }),
      (message) => {
        if (!hasButton(message, input.customId))
          return Effect.dieMessage(`message ${input.messageId} has no button ${input.customId}`)
        const interaction = { id: s.nextId() }
        s.origins.set(interaction.id, { _tag: "press", messageId: message.messageId })
        const press: ButtonPress = {
          interaction,
          customId: input.customId,
          userId: input.userId,
          // In a DM there is no guild, so no member and no roles.
          roleIds: message.via._tag === "dm" ? [] : input.roleIds,
          guildId: message.via._tag === "dm" ? null : MEMORY_GUILD_ID,
          message: postedOf(message),
        }
        s.presses.emit(press)
        return Effect.succeed(press)
      },
    ),
  command: ({ interactionId, ...input }) =>
    Effect.sync(() => {
      // As Discord does for a server without boosts, unless the test says otherwise.
      const invocation: CommandInvocation = {
        attachmentLimitBytes: 10 * 1024 * 1024,
        ...input,
        interaction: { id: interactionId ?? s.nextId() },
      }
      s.origins.set(invocation.interaction.id, { _tag: "command" })
      s.commands.emit(invocation)
      return invocation
    }),
  fail: (operation, failure, options) =>
    Effect.sync(() =>
      s.faults.add({ operation, failure, target: options?.target, remaining: options?.times ?? 1 }),
    ),
  closeDms: (userId) => Effect.sync(() => void s.closedDms.add(userId)),
  grantManageThreads: (roleId) => Effect.sync(() => void s.threadManagers.add(roleId)),
  denyBot: (channelId, permission) => Effect.sync(() => void s.deniedTo(channelId).add(permission)),
  ...memoryMembers(s),
})

/** A fresh twin: the port, and the control a test drives it with. */
export const makeMemory: Effect.Effect<{
  readonly service: DiscordService
  readonly control: DiscordMemoryControl
}> = Effect.sync(() => {
  const s = memoryState()
  const service: DiscordService = {
    botUserId: MEMORY_BOT_ID,
    ...memoryMessaging(s),
    ...memoryThreads(s),
    ...memoryConversations(s),
    interactions: memoryInteractions(s),
    registerCommands: (commands, guildIds) =>
      Effect.flatMap(s.faults.check("registerCommands", "", "register commands"), () =>
        Effect.suspend(() => {
          const problem = commandsProblem(commands)
          if (problem !== undefined)
            return Effect.fail(refusal("register commands", 400, 50035, `Invalid Form Body: ${problem}`))
          s.registered.commands = [...commands]
          s.registered.guildIds = [...guildIds]
          return Effect.void
        }),
      ),
    messages: s.incoming.stream,
    directMessages: s.directs.stream,
    presses: s.presses.stream,
    commands: s.commands.stream,
  }
  return { service, control: memoryControl(s) }
})
