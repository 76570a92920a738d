/**
 * A Discord message (content, embeds, buttons, allowed mentions) as plain data, and the limits
 * Discord enforces on it. The shell maps this 1:1 onto discord.js; nothing here needs discord.js.
 */
import { fitMapped } from "./Markdown.js"

/** Mentions that ping nobody, whatever the text says. */
export const NO_MENTIONS: AllowedMentions = { parse: [], roles: [], users: [], repliedUser: false }

/** Discord's limits (UTF-16 units; Discord counts characters, so this is never looser). */
export const EMBED_LIMITS = {
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footerText: 2048,
  authorName: 256,
  /** Title, description, field names and values, footer text and author name together. */
  total: 6000,
  embeds: 10,
  content: 2000,
  actionRows: 5,
  buttonsPerRow: 5,
  customId: 100,
  buttonLabel: 80,
  /** Role ids in allowed_mentions.roles. */
  allowedRoles: 100,
} as const

export interface EmbedField {
  readonly name: string
  readonly value: string
  readonly inline: boolean
}

export interface EmbedData {
  readonly title: string
  readonly description?: string
  readonly color: number
  readonly author?: { readonly name: string; readonly iconUrl?: string }
  readonly fields: ReadonlyArray<EmbedField>
  readonly footer?: { readonly text: string }
  /** A picture under the embed: `attachment://<name>` for a file sent with the message. */
  readonly image?: { readonly url: string }
  /** ISO 8601. */
  readonly timestamp: string
}

/** Discord's button styles by number: primary (blurple), secondary (grey), success, danger. */
export type ButtonStyleCode = 1 | 2 | 3 | 4

export interface ButtonComponent {
  readonly type: 2
  readonly style: ButtonStyleCode
  readonly label: string
  readonly emoji: { readonly name: string }
  readonly customId: string
}

export interface ActionRow {
  readonly type: 1
  readonly components: ReadonlyArray<ButtonComponent>
}

/** Always explicit: nothing is parsed from the text, only the listed roles and users may be pinged. */
export interface AllowedMentions {
  readonly parse: readonly []
  readonly roles: ReadonlyArray<string>
  readonly users: ReadonlyArray<string>
  readonly repliedUser: false
}

export interface MessageParts {
  readonly content?: string | null
  readonly embeds: ReadonlyArray<EmbedData>
  readonly components: ReadonlyArray<ActionRow>
  readonly allowedMentions?: AllowedMentions
}

/** Buttons laid out in rows of at most 5, at most 5 rows; buttons beyond 25 are left out. */
export const actionRows = (buttons: ReadonlyArray<ButtonComponent>): ReadonlyArray<ActionRow> => {
  const rows: Array<ActionRow> = []
  for (
    let i = 0;
    i < buttons.length && rows.length < EMBED_LIMITS.actionRows;
    i += EMBED_LIMITS.buttonsPerRow
  ) {
    rows.push({ type: 1, components: buttons.slice(i, i + EMBED_LIMITS.buttonsPerRow) })
  }
  return rows
}

/** The length Discord counts against the 6000-character total of one embed. */
export const embedTotalLength = (embed: EmbedData): number =>
  embed.title.length +
  (embed.description?.length ?? 0) +
  embed.fields.reduce((n, f) => n + f.name.length + f.value.length, 0) +
  (embed.footer?.text.length ?? 0) +
  (embed.author?.name.length ?? 0)

const blank = (s: string): boolean => s.trim() === ""

/** Every way `msg` breaks Discord's limits; empty when Discord would accept it. */
export const embedViolations = (msg: MessageParts): Array<string> => {
  const out: Array<string> = []
  const over = (what: string, length: number, max: number): void => {
    if (length > max) out.push(`${what}: ${length} > ${max}`)
  }
  const empty = (what: string, s: string): void => {
    if (blank(s)) out.push(`${what}: empty`)
  }
  if (msg.content !== undefined && msg.content !== null)
    over("content", msg.content.length, EMBED_LIMITS.content)
  over("embeds", msg.embeds.length, EMBED_LIMITS.embeds)
  msg.embeds.forEach((e, i) => {
    const at = `embeds[${i}]`
    over(`${at}.title`, e.title.length, EMBED_LIMITS.title)
    if (e.description !== undefined) over(`${at}.description`, e.description.length, EMBED_LIMITS.description)
    over(`${at}.fields`, e.fields.length, EMBED_LIMITS.fields)
    e.fields.forEach((f, j) => {
      over(`${at}.fields[${j}].name`, f.name.length, EMBED_LIMITS.fieldName)
      over(`${at}.fields[${j}].value`, f.value.length, EMBED_LIMITS.fieldValue)
      empty(`${at}.fields[${j}].name`, f.name)
      empty(`${at}.fields[${j}].value`, f.value)
    })
    if (e.footer !== undefined) {
      over(`${at}.footer.text`, e.footer.text.length, EMBED_LIMITS.footerText)
      empty(`${at}.footer.text`, e.footer.text)
    }
    if (e.author !== undefined) {
      over(`${at}.author.name`, e.author.name.length, EMBED_LIMITS.authorName)
      empty(`${at}.author.name`, e.author.name)
    }
    over(`${at} total`, embedTotalLength(e), EMBED_LIMITS.total)
    if (!Number.isInteger(e.color) || e.color < 0 || e.color > 0xffffff) out.push(`${at}.color: ${e.color}`)
  })
  over("components", msg.components.length, EMBED_LIMITS.actionRows)
  msg.components.forEach((row, i) => {
    over(`components[${i}]`, row.components.length, EMBED_LIMITS.buttonsPerRow)
    if (row.components.length === 0) out.push(`components[${i}]: empty row`)
    row.components.forEach((b, j) => {
      over(`components[${i}][${j}].customId`, b.customId.length, EMBED_LIMITS.customId)
      over(`components[${i}][${j}].label`, b.label.length, EMBED_LIMITS.buttonLabel)
      empty(`components[${i}][${j}].customId`, b.customId)
    })
  })
  if (msg.allowedMentions !== undefined) {
    over("allowedMentions.roles", msg.allowedMentions.roles.length, EMBED_LIMITS.allowedRoles)
  }
  return out
}

const keep = (cp: string): string => cp

/** `s` within `max` units and never blank (Discord rejects empty values). */
export const fitText = (s: string, max: number, placeholder: string): string =>
  fitMapped(blank(s) ? placeholder : s, max, keep)

/**
 * `embed` forced within every limit. A last line of defence for embeds not built here (such as
 * one read back from Discord to re-render): renderers keep their parts short enough on their own.
 * Over the total, trailing fields go first, because cutting inside one could break its markup.
 */
export const fitEmbed = (embed: EmbedData): EmbedData => {
  const L = EMBED_LIMITS
  const base: EmbedData = {
    title: fitText(embed.title, L.title, "Alert"),
    // Stryker disable next-line EqualityOperator: a colour of 0 is 0 either way.
    color: Number.isInteger(embed.color) && embed.color >= 0 && embed.color <= 0xffffff ? embed.color : 0,
    fields: [],
    timestamp: embed.timestamp,
    ...(embed.author === undefined
      ? {}
      : { author: { ...embed.author, name: fitText(embed.author.name, L.authorName, "Member") } }),
    ...(embed.footer === undefined
      ? {}
      : { footer: { text: fitText(embed.footer.text, L.footerText, "—") } }),
  }
  const build = (fields: ReadonlyArray<EmbedField>, description: string): EmbedData =>
    blank(description) ? { ...base, fields } : { ...base, fields, description }
  const description = fitMapped(embed.description ?? "", L.description, keep)
  let fields = embed.fields.slice(0, L.fields).map((f) => ({
    name: fitText(f.name, L.fieldName, "\u200b"),
    value: fitText(f.value, L.fieldValue, "—"),
    inline: f.inline,
  }))
  while (fields.length > 0 && embedTotalLength(build(fields, description)) > L.total) {
    fields = fields.slice(0, -1)
  }
  const excess = embedTotalLength(build(fields, description)) - L.total
  // Title, footer and author together are at most 2560 units, so the description can absorb this.
  // Stryker disable next-line ConditionalExpression,EqualityOperator: cutting to its own length or more leaves the description as it is.
  return excess <= 0
    ? build(fields, description)
    : build(fields, fitMapped(description, description.length - excess, keep))
}
