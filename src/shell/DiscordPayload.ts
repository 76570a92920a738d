import type { APIEmbed, Embed, MessageCreateOptions, MessageEditOptions } from "discord.js"
import type { AlertMessage, AlertMessageEdit } from "../core/AlertEmbed.js"
import type { ActionRow, AllowedMentions, EmbedData } from "../core/DiscordMessage.js"

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
  users: [],
  repliedUser: m.repliedUser,
})

/** A new alert message: content (CRT pings only), embed, buttons, explicit allowed mentions. */
export const toCreateOptions = (message: AlertMessage): MessageCreateOptions => ({
  ...(message.content !== null ? { content: message.content } : {}),
  embeds: message.embeds.map(toApiEmbed),
  components: toComponents(message.components),
  allowedMentions: toAllowedMentions(message.allowedMentions),
})

/** An edit of a posted alert: embed and buttons; never pings. */
export const toEditOptions = (edit: AlertMessageEdit): MessageEditOptions => ({
  embeds: edit.embeds.map(toApiEmbed),
  components: toComponents(edit.components),
  allowedMentions: toAllowedMentions(edit.allowedMentions),
})
