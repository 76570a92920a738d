/**
 * The Discord port's in-process twin: it keeps what the bot posted, edited, replied and sent,
 * answers interactions, and lets a test play the members and the CRT (messages, presses,
 * commands) and Discord's failures (403, 50007, 404, 429, 5xx).
 */
import { Clock, Context, Effect, Option } from "effect"
import type { ActionRow } from "../../core/DiscordMessage.js"
import { channel, faultBook, snowflakes } from "./DiscordMemoryParts.js"
import {
  type ButtonPress,
  type CommandInvocation,
  type CommandSpec,
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
  | "interaction"
  | "registerCommands"

/** What Discord answers instead: an HTTP status and, for 4xx, Discord's JSON error code. */
export interface InjectedFailure {
  readonly status: number
  readonly code?: number | undefined
  /** For 429: how long Discord asks to wait; the call then goes through, as with discord.js. */
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

export interface PrivateThread {
  readonly threadId: string
  readonly channelId: string
  readonly name: string
  readonly memberIds: ReadonlyArray<string>
}

export interface DiscordMemoryControl {
  /** Every message the bot sent, in order, as it stands now. */
  readonly messages: Effect.Effect<ReadonlyArray<StoredMessage>>
  readonly message: (messageId: string) => Effect.Effect<Option.Option<StoredMessage>>
  readonly answers: (interactionId: string) => Effect.Effect<ReadonlyArray<InteractionAnswer>>
  readonly threads: Effect.Effect<ReadonlyArray<PrivateThread>>
  readonly registered: Effect.Effect<ReadonlyArray<CommandSpec>>
  /** A member writes in a channel; returns the message as the bot receives it. */
  readonly memberSays: (
    message: Partial<IncomingMessage> & Pick<IncomingMessage, "channelId" | "content">,
  ) => Effect.Effect<IncomingMessage>
  /** Someone presses a button on one of the bot's messages. */
  readonly press: (input: {
    readonly messageId: string
    readonly customId: string
    readonly userId: string
    readonly roleIds: ReadonlyArray<string>
  }) => Effect.Effect<ButtonPress, DiscordError>
  readonly command: (
    input: Omit<CommandInvocation, "interaction"> & { readonly interactionId?: string },
  ) => Effect.Effect<CommandInvocation>
  /** The next `times` calls of `operation` (on `target`, a channel or user id, when given) fail. */
  readonly fail: (
    operation: Operation,
    failure: InjectedFailure,
    options?: { readonly times?: number; readonly target?: string },
  ) => Effect.Effect<void>
  /** The member no longer accepts DMs from the bot (Discord error 50007). */
  readonly closeDms: (userId: string) => Effect.Effect<void>
}

/** The twin's control, next to `Discord` in `Discord.Memory`. */
export class DiscordMemory extends Context.Tag("ash/DiscordMemory")<DiscordMemory, DiscordMemoryControl>() {}

export const MEMORY_GUILD_ID = "100000000000000001"
export const MEMORY_BOT_ID = "100000000000000002"

const notFound = (operation: string, detail: string): DiscordError =>
  new DiscordError({ operation, kind: "not_found", status: 404, code: null, detail })

const refused = (operation: string, code: number, detail: string): DiscordError =>
  new DiscordError({ operation, kind: failureOf(400, code), status: 400, code, detail })

/** The twin's state and its record of what the bot did. */
const memoryState = () => {
  const stored = new Map<string, StoredMessage>()
  const answers = new Map<string, Array<InteractionAnswer>>()
  return {
    nextId: snowflakes(),
    faults: faultBook(),
    stored,
    answers,
    /** The message a button press's interaction edits with `editOriginal`. */
    pressedOn: new Map<string, string>(),
    threads: [] as PrivateThread[],
    registered: { commands: [] as CommandSpec[] },
    closedDms: new Set<string>(),
    incoming: channel<IncomingMessage>(),
    presses: channel<ButtonPress>(),
    commands: channel<CommandInvocation>(),
    keep: (ref: MessageRef, message: OutgoingMessage, via: StoredMessage["via"]): MessageRef => {
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
    find: (operation: string, messageId: string) =>
      Effect.suspend(() => {
        const m = stored.get(messageId)
        return m === undefined
          ? Effect.fail(notFound(operation, `unknown message ${messageId}`))
          : Effect.succeed(m)
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

const isAcknowledged = (list: ReadonlyArray<InteractionAnswer>): boolean =>
  list.some((a) => a._tag === "deferUpdate" || a._tag === "deferReply" || a._tag === "reply")

/** Interaction answers with Discord's rules: one acknowledgement, then follow-ups and edits. */
const memoryInteractions = (s: MemoryState): DiscordService["interactions"] => {
  const answer = (what: string, ref: InteractionRef, a: InteractionAnswer, needsAck: boolean) =>
    Effect.flatMap(s.faults.check("interaction", ref.id, what), () =>
      Effect.suspend(() => {
        const list = s.answersOf(ref.id)
        if (!needsAck && isAcknowledged(list))
          return Effect.fail(refused(what, 40060, "Interaction has already been acknowledged."))
        if (needsAck && !isAcknowledged(list)) return Effect.fail(notFound(what, "Unknown Webhook"))
        list.push(a)
        return Effect.void
      }),
    )
  return {
    deferUpdate: (ref) =>
      s.pressedOn.has(ref.id)
        ? answer("defer update", ref, { _tag: "deferUpdate" }, false)
        : Effect.fail(refused("defer update", 50035, "only a button press can defer an update")),
    deferReply: (ref, ephemeral) => answer("defer reply", ref, { _tag: "deferReply", ephemeral }, false),
    reply: (ref, r) => answer("interaction reply", ref, { _tag: "reply", content: r.content }, false),
    followUp: (ref, r) =>
      answer("interaction follow-up", ref, { _tag: "followUp", content: r.content }, true),
    editOriginal: (ref, edit) =>
      Effect.flatMap(answer("edit original", ref, { _tag: "editOriginal", edit }, true), () =>
        Effect.sync(() => {
          const messageId = s.pressedOn.get(ref.id)
          const message = messageId === undefined ? undefined : s.stored.get(messageId)
          if (message !== undefined) s.applyEdit(message, edit)
        }),
      ),
  }
}

/** Posting, editing, reading, replying, DMs and private threads. */
const memoryMessaging = (s: MemoryState) =>
  ({
    post: (channelId, message) =>
      Effect.flatMap(s.faults.check("post", channelId, `post to ${channelId}`), () =>
        Effect.sync(() => s.keep({ channelId, messageId: s.nextId() }, message, { _tag: "post" })),
      ),
    edit: (ref, edit) =>
      Effect.flatMap(s.faults.check("edit", ref.channelId, `edit message ${ref.messageId}`), () =>
        Effect.map(s.find(`edit message ${ref.messageId}`, ref.messageId), (m) => s.applyEdit(m, edit)),
      ),
    read: (ref) =>
      Effect.flatMap(s.faults.check("read", ref.channelId, `read message ${ref.messageId}`), () =>
        s.find(`read message ${ref.messageId}`, ref.messageId),
      ),
    reply: (ref, message) =>
      Effect.flatMap(s.faults.check("reply", ref.channelId, `reply to ${ref.messageId}`), () =>
        Effect.sync(() =>
          s.keep({ channelId: ref.channelId, messageId: s.nextId() }, message, { _tag: "reply", to: ref }),
        ),
      ),
    sendDm: (userId, message) =>
      Effect.flatMap(s.faults.check("sendDm", userId, `DM to ${userId}`), () =>
        s.closedDms.has(userId)
          ? Effect.fail(refused(`DM to ${userId}`, 50007, "Cannot send messages to this user"))
          : Effect.sync(() =>
              s.keep({ channelId: `dm-${userId}`, messageId: s.nextId() }, message, { _tag: "dm", userId }),
            ),
      ),
    openPrivateThread: (channelId, name, memberIds) =>
      Effect.flatMap(s.faults.check("openPrivateThread", channelId, `private thread in ${channelId}`), () =>
        Effect.sync(() => {
          const threadId = s.nextId()
          s.threads.push({ threadId, channelId, name, memberIds: [...memberIds] })
          return threadId
        }),
      ),
  }) satisfies Pick<DiscordService, "post" | "edit" | "read" | "reply" | "sendDm" | "openPrivateThread">

/** What a test does as the members, the CRT and Discord itself. */
const memoryControl = (s: MemoryState): DiscordMemoryControl => ({
  messages: Effect.sync(() => [...s.stored.values()]),
  message: (id) => Effect.sync(() => Option.fromNullable(s.stored.get(id))),
  answers: (id) => Effect.sync(() => [...(s.answers.get(id) ?? [])]),
  threads: Effect.sync(() => [...s.threads]),
  registered: Effect.sync(() => [...s.registered.commands]),
  memberSays: (m) =>
    Effect.map(Clock.currentTimeMillis, (now) => {
      const message: IncomingMessage = {
        guildId: MEMORY_GUILD_ID,
        parentChannelId: null,
        messageId: s.nextId(),
        author: { id: "100000000000000099", bot: false, displayName: "Member", avatarUrl: undefined },
        sentAt: now,
        ...m,
      }
      s.incoming.emit(message)
      return message
    }),
  press: (input) =>
    Effect.map(s.find("press", input.messageId), (message) => {
      const interaction = { id: s.nextId() }
      s.pressedOn.set(interaction.id, message.messageId)
      const press: ButtonPress = {
        interaction,
        customId: input.customId,
        userId: input.userId,
        roleIds: input.roleIds,
        guildId: MEMORY_GUILD_ID,
        message,
      }
      s.presses.emit(press)
      return press
    }),
  command: ({ interactionId, ...input }) =>
    Effect.sync(() => {
      const invocation: CommandInvocation = { ...input, interaction: { id: interactionId ?? s.nextId() } }
      s.commands.emit(invocation)
      return invocation
    }),
  fail: (operation, failure, options) =>
    Effect.sync(() =>
      s.faults.add({ operation, failure, target: options?.target, remaining: options?.times ?? 1 }),
    ),
  closeDms: (userId) => Effect.sync(() => void s.closedDms.add(userId)),
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
    interactions: memoryInteractions(s),
    registerCommands: (commands) =>
      Effect.flatMap(s.faults.check("registerCommands", "", "register commands"), () =>
        Effect.sync(() => {
          s.registered.commands = [...commands]
        }),
      ),
    messages: s.incoming.stream,
    presses: s.presses.stream,
    commands: s.commands.stream,
  }
  return { service, control: memoryControl(s) }
})
