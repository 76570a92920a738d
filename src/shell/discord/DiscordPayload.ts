/** The port's plain data mapped to and from discord.js shapes, one field at a time. */
import {
  type APIApplicationCommandOption,
  type APIEmbed,
  ApplicationCommandOptionType,
  type Embed,
  type MessageCreateOptions,
  type MessageEditOptions,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from "discord.js"
import type { ActionRow, AllowedMentions, EmbedData } from "../../core/DiscordMessage.js"
import type {
  CommandOptionSpec,
  CommandSpec,
  FileUpload,
  MessageEdit,
  OutgoingMessage,
} from "./DiscordPort.js"

/** The core's embed as Discord's API shape. */
export const toApiEmbed = (embed: EmbedData): APIEmbed => ({
  title: embed.title,
  ...(embed.description !== undefined ? { description: embed.description } : {}),
  color: embed.color,
  ...(embed.author !== undefined
    ? {
        author: {
          name: embed.author.name,
          ...(embed.author.iconUrl !== undefined ? { icon_url: embed.author.iconUrl } : {}),
        },
      }
    : {}),
  fields: embed.fields.map((f) => ({ name: f.name, value: f.value, inline: f.inline })),
  ...(embed.footer !== undefined ? { footer: { text: embed.footer.text } } : {}),
  ...(embed.image !== undefined ? { image: { url: embed.image.url } } : {}),
  timestamp: embed.timestamp,
})

/** A posted embed read back into the core's shape (to bring it up to date). */
export const fromEmbed = (embed: Embed): EmbedData => ({
  title: embed.title ?? "",
  ...(embed.description !== null ? { description: embed.description } : {}),
  color: embed.color ?? 0,
  ...(embed.author !== null
    ? {
        author: {
          name: embed.author.name,
          ...(embed.author.iconURL !== undefined ? { iconUrl: embed.author.iconURL } : {}),
        },
      }
    : {}),
  fields: embed.fields.map((f) => ({ name: f.name, value: f.value, inline: f.inline ?? false })),
  ...(embed.footer !== null ? { footer: { text: embed.footer.text } } : {}),
  ...(embed.image !== null ? { image: { url: embed.image.url } } : {}),
  timestamp: embed.timestamp ?? new Date(0).toISOString(),
})

const toComponents = (rows: ReadonlyArray<ActionRow>) =>
  rows.map((row) => ({
    type: row.type,
    components: row.components.map((b) => ({
      type: b.type,
      style: b.style,
      label: b.label,
      emoji: { name: b.emoji.name },
      custom_id: b.customId,
    })),
  }))

const toAllowedMentions = (m: AllowedMentions) => ({
  parse: [],
  roles: [...m.roles],
  users: [...m.users],
  repliedUser: m.repliedUser,
})

const toFiles = (files: ReadonlyArray<FileUpload> | undefined) =>
  files === undefined || files.length === 0
    ? {}
    : {
        files: files.map((f) => ({
          attachment: Buffer.from(f.data),
          name: f.name,
          ...(f.description !== undefined ? { description: f.description } : {}),
        })),
      }

/** A new message: content (when there is any), embeds, buttons, files, explicit allowed mentions. */
export const toCreateOptions = (message: OutgoingMessage): MessageCreateOptions => ({
  ...(message.content !== null && message.content !== undefined ? { content: message.content } : {}),
  ...(message.embeds !== undefined ? { embeds: message.embeds.map(toApiEmbed) } : {}),
  ...(message.components !== undefined ? { components: toComponents(message.components) } : {}),
  ...toFiles(message.files),
  allowedMentions: toAllowedMentions(message.allowedMentions),
})

/** An edit of embeds and buttons (files added); never pings. */
export const toEditOptions = (edit: MessageEdit): MessageEditOptions => ({
  ...(edit.content !== undefined ? { content: edit.content } : {}),
  embeds: edit.embeds.map(toApiEmbed),
  components: toComponents(edit.components),
  ...toFiles(edit.files),
  allowedMentions: toAllowedMentions(edit.allowedMentions),
})

const OPTION_TYPE = {
  subcommand: ApplicationCommandOptionType.Subcommand,
  string: ApplicationCommandOptionType.String,
  integer: ApplicationCommandOptionType.Integer,
  boolean: ApplicationCommandOptionType.Boolean,
  user: ApplicationCommandOptionType.User,
} as const

const toOption = (o: CommandOptionSpec): APIApplicationCommandOption => {
  const base = { name: o.name, description: o.description }
  switch (o.type) {
    case "subcommand":
      return {
        ...base,
        type: OPTION_TYPE.subcommand,
        options: (o.options ?? []).flatMap((sub) => {
          const option = toOption(sub)
          return option.type === ApplicationCommandOptionType.Subcommand ||
            option.type === ApplicationCommandOptionType.SubcommandGroup
            ? []
            : [option]
        }),
      }
    case "string":
      return {
        ...base,
        type: OPTION_TYPE.string,
        required: o.required ?? false,
        ...(o.choices === undefined ? {} : { choices: o.choices.map((c) => ({ ...c })) }),
      }
    case "integer":
      return { ...base, type: OPTION_TYPE.integer, required: o.required ?? false }
    case "boolean":
      return { ...base, type: OPTION_TYPE.boolean, required: o.required ?? false }
    case "user":
      return { ...base, type: OPTION_TYPE.user, required: o.required ?? false }
  }
}

/** A slash command in the shape Discord registers it. */
export const toCommandData = (command: CommandSpec): RESTPostAPIChatInputApplicationCommandsJSONBody => ({
  name: command.name,
  description: command.description,
  options: command.options.map(toOption),
})
