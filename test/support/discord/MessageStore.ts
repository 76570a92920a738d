import {
  type APIAllowedMentions,
  type APIAttachment,
  type APIEmbed,
  type APIMessage,
  type APIMessageInteractionMetadata,
  type APIMessageReference,
  type APIMessageTopLevelComponent,
  type APIUser,
  EmbedType,
  type MessageType,
  type RESTAPIAttachment,
  type RESTAPIMessageReference,
  type Snowflake,
} from "discord-api-types/v10"
import type { ResolvedMentions } from "./messageRules.js"
import type { StoredFile } from "./types.js"

/** The message fields a bot sends in creates, edits, interaction callbacks and webhooks. */
export interface MessageBody {
  readonly content?: string | null
  readonly embeds?: APIEmbed[] | null
  readonly components?: APIMessageTopLevelComponent[] | null
  readonly allowed_mentions?: APIAllowedMentions | null
  readonly attachments?: RESTAPIAttachment[] | null
  readonly flags?: number | null
  readonly message_reference?: RESTAPIMessageReference | null
  readonly tts?: boolean | null
}

const isObject = (v: unknown): v is Readonly<Record<string, unknown>> =>
  typeof v === "object" && v !== null && !Array.isArray(v)
const isArrayOfObjects = (v: unknown): v is readonly Readonly<Record<string, unknown>>[] =>
  Array.isArray(v) && v.every(isObject)

const fieldChecks: Readonly<Record<string, (v: unknown) => boolean>> = {
  content: (v) => typeof v === "string",
  embeds: isArrayOfObjects,
  components: isArrayOfObjects,
  allowed_mentions: isObject,
  attachments: isArrayOfObjects,
  flags: (v) => typeof v === "number",
  message_reference: isObject,
  tts: (v) => typeof v === "boolean",
}

/** Validates the fields we read; returns the first bad field's name, or the typed body. */
export const decodeMessageBody = (json: unknown): MessageBody | string => {
  if (!isObject(json)) return "body"
  for (const [field, check] of Object.entries(fieldChecks)) {
    const value = json[field]
    if (value !== undefined && value !== null && !check(value)) return field
  }
  // Narrow cast: every field read downstream was checked above.
  return json as MessageBody
}

export interface MessageRecord {
  message: APIMessage
  readonly guildId: Snowflake | undefined
  readonly ephemeral: boolean
  files: StoredFile[]
  /** A deferred interaction response ("Bot is thinking…") not yet edited. */
  loading: boolean
  /** The `allowed_mentions` of the latest create or edit that sent one; null when none did. */
  allowedMentions: APIAllowedMentions | null
}

export interface NewMessage {
  readonly id: Snowflake
  readonly channelId: Snowflake
  readonly guildId: Snowflake | undefined
  readonly author: APIUser
  readonly type: MessageType
  readonly body: MessageBody
  readonly attachments: APIAttachment[]
  readonly files: StoredFile[]
  readonly mentions: ResolvedMentions
  readonly mentionedUsers: APIUser[]
  readonly reference?: APIMessageReference
  readonly referenced?: APIMessage
  readonly interactionMetadata?: APIMessageInteractionMetadata
  readonly webhookId?: Snowflake
  readonly ephemeral: boolean
  readonly loading: boolean
}

interface Waiter {
  readonly test: (record: MessageRecord, edited: boolean) => boolean
  readonly resolve: (message: APIMessage) => void
}

/** Messages (with uploaded files) and the waiters that tests block on. */
export class MessageStore {
  private readonly records = new Map<Snowflake, MessageRecord>()
  private readonly byChannel = new Map<Snowflake, Snowflake[]>()
  private readonly waiters = new Set<Waiter>()
  private readonly timers = new Set<NodeJS.Timeout>()

  create(input: NewMessage): MessageRecord {
    const message: APIMessage = {
      id: input.id,
      channel_id: input.channelId,
      author: input.author,
      content: input.body.content ?? "",
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: input.body.tts ?? false,
      mention_everyone: input.mentions.everyone,
      mentions: input.mentionedUsers,
      mention_roles: input.mentions.roles,
      attachments: input.attachments,
      embeds: (input.body.embeds ?? []).map((e) => richEmbed(e, input.attachments)),
      components: input.body.components ?? [],
      pinned: false,
      type: input.type,
      flags: input.body.flags ?? 0,
      ...(input.reference === undefined ? {} : { message_reference: input.reference }),
      ...(input.referenced === undefined ? {} : { referenced_message: input.referenced }),
      ...(input.interactionMetadata === undefined ? {} : { interaction_metadata: input.interactionMetadata }),
      ...(input.webhookId === undefined
        ? {}
        : { webhook_id: input.webhookId, application_id: input.webhookId }),
    }
    const record: MessageRecord = {
      message,
      guildId: input.guildId,
      ephemeral: input.ephemeral,
      files: input.files,
      loading: input.loading,
      allowedMentions: input.body.allowed_mentions ?? null,
    }
    this.records.set(message.id, record)
    if (!input.ephemeral) {
      const list = this.byChannel.get(input.channelId) ?? []
      list.push(message.id)
      this.byChannel.set(input.channelId, list)
    }
    this.notify(record, false)
    return record
  }

  /** Applies an edit body: present fields replace, null clears. */
  edit(id: Snowflake, body: MessageBody, extra: Partial<APIMessage>, newFiles: StoredFile[]): MessageRecord {
    const record = this.records.get(id)
    if (record === undefined) throw new Error(`emulator: no message ${id}`)
    const old = record.message
    const keep =
      body.attachments === undefined ? undefined : new Set(body.attachments?.map((a) => String(a.id)))
    const kept = keep === undefined ? old.attachments : old.attachments.filter((a) => keep.has(a.id))
    const attachments = [...kept, ...newFiles.map((f) => f.attachment)]
    record.files = [...record.files.filter((f) => kept.includes(f.attachment)), ...newFiles]
    record.message = {
      ...old,
      ...extra,
      content: body.content === undefined ? old.content : (body.content ?? ""),
      embeds:
        body.embeds === undefined ? old.embeds : (body.embeds ?? []).map((e) => richEmbed(e, attachments)),
      components: body.components === undefined ? (old.components ?? []) : (body.components ?? []),
      attachments,
      edited_timestamp: new Date().toISOString(),
    }
    record.loading = false
    if (body.allowed_mentions !== undefined && body.allowed_mentions !== null)
      record.allowedMentions = body.allowed_mentions
    this.notify(record, true)
    return record
  }

  get(id: Snowflake): MessageRecord | undefined {
    return this.records.get(id)
  }

  delete(id: Snowflake): MessageRecord | undefined {
    const record = this.records.get(id)
    if (record === undefined) return undefined
    this.records.delete(id)
    const list = this.byChannel.get(record.message.channel_id)
    if (list !== undefined)
      this.byChannel.set(
        record.message.channel_id,
        list.filter((m) => m !== id),
      )
    return record
  }

  inChannel(channelId: Snowflake): APIMessage[] {
    return (this.byChannel.get(channelId) ?? []).flatMap((id) => {
      const record = this.records.get(id)
      return record === undefined ? [] : [record.message]
    })
  }

  waitForMessage(
    channelId: Snowflake,
    predicate: (m: APIMessage) => boolean,
    timeoutMs: number,
  ): Promise<APIMessage> {
    const found = this.inChannel(channelId).find(predicate)
    if (found !== undefined) return Promise.resolve(found)
    return this.wait(
      (r, edited) => !edited && !r.ephemeral && r.message.channel_id === channelId && predicate(r.message),
      timeoutMs,
      () => `no matching message in channel ${channelId}; seen: ${describe(this.inChannel(channelId))}`,
    )
  }

  waitForEdit(
    messageId: Snowflake,
    predicate: (m: APIMessage) => boolean,
    timeoutMs: number,
  ): Promise<APIMessage> {
    const current = this.records.get(messageId)?.message
    if (current !== undefined && current.edited_timestamp !== null && predicate(current)) {
      return Promise.resolve(current)
    }
    return this.wait(
      (r, edited) => edited && r.message.id === messageId && predicate(r.message),
      timeoutMs,
      () =>
        `no matching edit of message ${messageId}; now: ${describe(current === undefined ? [] : [current])}`,
    )
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    this.waiters.clear()
  }

  private wait(
    test: (record: MessageRecord, edited: boolean) => boolean,
    timeoutMs: number,
    explain: () => string,
  ): Promise<APIMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter)
        this.timers.delete(timer)
        reject(new Error(`emulator: timed out after ${timeoutMs} ms: ${explain()}`))
      }, timeoutMs)
      const waiter: Waiter = {
        test,
        resolve: (message) => {
          clearTimeout(timer)
          this.timers.delete(timer)
          resolve(message)
        },
      }
      this.timers.add(timer)
      this.waiters.add(waiter)
    })
  }

  private notify(record: MessageRecord, edited: boolean): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.test(record, edited)) {
        this.waiters.delete(waiter)
        waiter.resolve(record.message)
      }
    }
  }
}

/**
 * An embed as Discord stores it: rich by default, and an image given as `attachment://<name>`
 * pointing at that file of the message (left as given when the message has no such file).
 */
const richEmbed = (embed: APIEmbed, attachments: readonly APIAttachment[]): APIEmbed => {
  const named = embed.image?.url.startsWith("attachment://")
    ? attachments.find((a) => a.filename === embed.image?.url.slice("attachment://".length))
    : undefined
  return {
    ...embed,
    type: embed.type ?? EmbedType.Rich,
    ...(named === undefined || embed.image === undefined
      ? {}
      : { image: { ...embed.image, url: named.url, proxy_url: named.proxy_url ?? named.url } }),
  }
}

const describe = (messages: readonly APIMessage[]): string =>
  messages.length === 0
    ? "(none)"
    : messages
        .map((m) => JSON.stringify({ id: m.id, content: m.content.slice(0, 80), embeds: m.embeds.length }))
        .join(", ")
