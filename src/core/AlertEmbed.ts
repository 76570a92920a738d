/**
 * The alert message of PRODUCT.md §2.6 and §4 as plain data: the seeds' embed, the status of the
 * lifecycle, the buttons of the current state, and the CRT ping. Safe for any input: untrusted
 * text is escaped and every Discord limit is respected.
 */
import { type Alert, isOpen } from "./Alert.js"
import { encodeCustomId } from "./CustomId.js"
import {
  type ActionRow,
  type AllowedMentions,
  actionRows,
  type ButtonComponent,
  type ButtonStyleCode,
  EMBED_LIMITS,
  type EmbedData,
  type EmbedField,
  fitEmbed,
  fitText,
  NO_MENTIONS,
} from "./DiscordMessage.js"
import { pingRolesFor } from "./Dispatch.js"
import { codeBlock, escapeInline, escapePlain, titleCase, truncateCodePoints } from "./Markdown.js"
import type { ButtonStyle } from "./milestones/Declaration.js"
import { ASPECTS, BUTTONS, MILESTONE_LIST } from "./milestones/Milestones.js"
import type { AlertSeverity } from "./Severity.js"

export { EMBED_LIMITS, embedViolations } from "./DiscordMessage.js"

/** What the NLP said about the message, beyond the severity and score kept on the Alert. */
export interface AlertAnalysis {
  readonly confidence: number
  readonly recommendedAction?: string | undefined
  readonly keyFactors: ReadonlyArray<string>
  readonly requestId: string
  /** Null when the NLP did not say. */
  readonly processingTimeMs: number | null
  readonly escalation?: { readonly trend: string; readonly messageCount: number } | undefined
}

/** What the alert shows that the Alert record does not keep (it stores no message text). */
export interface AlertMessageInput {
  readonly analysis: AlertAnalysis
  readonly member: { readonly displayName: string; readonly avatarUrl?: string | undefined }
  /** The member's message text. */
  readonly text: string
  readonly crtRoleIds: ReadonlyArray<string>
  /** The member wrote to Ash by direct message: there is no channel message to link. */
  readonly viaDm?: boolean | undefined
}

export interface AlertMessage {
  readonly content: string | null
  readonly embeds: readonly [EmbedData]
  readonly components: ReadonlyArray<ActionRow>
  readonly allowedMentions: AllowedMentions
}

/** An edit of a posted alert: never pings again, never touches the content. */
export interface AlertMessageEdit {
  readonly embeds: readonly [EmbedData]
  readonly components: ReadonlyArray<ActionRow>
  readonly allowedMentions: AllowedMentions
}

const STYLE: Readonly<Record<AlertSeverity, { title: string; color: number; escalationColor: number }>> = {
  medium: { title: "⚠️ Monitor Alert", color: 0xf1c40f, escalationColor: 0xc27c0e },
  high: { title: "🔶 Crisis Alert", color: 0xe67e22, escalationColor: 0xa84300 },
  critical: { title: "🚨 CRITICAL ALERT", color: 0xe74c3c, escalationColor: 0x992d22 },
}

/** Green once a person has taken the alert on, grey once it is closed. */
export const ALERT_COLORS = { handled: 0x2ecc71, closed: 0x95a5a6 } as const

export const STATUS_FIELD_NAME = "📌 Status"

/** The seeds' preview length, in code points. */
export const MESSAGE_PREVIEW_LENGTH = 500

// Caps on NLP-supplied strings. With them the whole embed stays under 4,000 units in the worst
// case, well inside the 6000 total, so no field ever has to be dropped (see the worst-case test).
const MAX_ACTION = 300
const MAX_FACTOR = 200
const MAX_FACTORS = 5
const MAX_TREND = 100
const MAX_REQUEST_ID = 100

/** The embed colour for the alert's current state. */
export const alertColor = (alert: Alert): number => {
  if (!isOpen(alert)) return ALERT_COLORS.closed
  if (MILESTONE_LIST.some((m) => m.handled && alert.milestones[m.key] !== null)) return ALERT_COLORS.handled
  const style = STYLE[alert.severity]
  return alert.escalated ? style.escalationColor : style.color
}

const SEVERITY_FIELD_NAME = "⚡ Severity"

const severityField = (alert: Alert): EmbedField => ({
  name: SEVERITY_FIELD_NAME,
  value: `\`${alert.severity.toUpperCase()}\``,
  inline: true,
})

const fixed = (n: number, digits: number): string => (Number.isFinite(n) ? n.toFixed(digits) : "n/a")
const percent = (ratio: number): string => (Number.isFinite(ratio) ? `${(ratio * 100).toFixed(1)}%` : "n/a")

const field = (name: string, value: string, inline = false): EmbedField => ({
  name,
  // Stryker disable next-line StringLiteral: fitEmbed gives a blank value the same placeholder.
  value: fitText(value, EMBED_LIMITS.fieldValue, "—"),
  inline,
})

const escalationField = (alert: Alert, analysis: AlertAnalysis): ReadonlyArray<EmbedField> => {
  if (!alert.escalated) return []
  const e = analysis.escalation
  const trend = escapeInline(titleCase(e?.trend ?? "escalating"), MAX_TREND)
  const over = e === undefined ? "" : ` over ${fixed(e.messageCount, 0)} messages`
  return [field("📈 ESCALATION DETECTED", `Pattern: **${trend}**${over}`)]
}

const messageField = (text: string): EmbedField => {
  const shown = text.trim() === "" ? "[No text content]" : text
  // Cut before escaping: 500 code points escape to at most ~1,010 units, inside the 1024 limit.
  return field("📝 Message", codeBlock(truncateCodePoints(shown, MESSAGE_PREVIEW_LENGTH, "...")))
}

const optionalFields = (analysis: AlertAnalysis): ReadonlyArray<EmbedField> => {
  const out: Array<EmbedField> = []
  const action = analysis.recommendedAction
  if (action !== undefined && action.trim() !== "") {
    out.push(field("📋 Recommended Action", escapeInline(titleCase(action.trim()), MAX_ACTION)))
  }
  const factors = analysis.keyFactors.filter((f) => f.trim() !== "").slice(0, MAX_FACTORS)
  if (factors.length > 0) {
    out.push(
      field("🔍 Key Factors", factors.map((f) => `• ${escapeInline(f.trim(), MAX_FACTOR)}`).join("\n")),
    )
  }
  return out
}

/**
 * One line per milestone and condition the CRT should see: the open milestones in lifecycle
 * order, then the aspects (opt-out, repeats), then the closing.
 */
export const statusLines = (alert: Alert): ReadonlyArray<string> => [
  ...MILESTONE_LIST.filter((m) => !m.terminal).flatMap((m) => m.status(alert)),
  ...ASPECTS.flatMap((a) => a.status(alert)),
  ...MILESTONE_LIST.filter((m) => m.terminal).flatMap((m) => m.status(alert)),
]

/** The buttons an alert shows in its current state, left to right; none once it is closed. */
export const buttonsFor = (alert: Alert) => (isOpen(alert) ? BUTTONS.filter((b) => b.offered(alert)) : [])

const statusField = (alert: Alert): ReadonlyArray<EmbedField> => {
  const lines = statusLines(alert)
  return lines.length === 0 ? [] : [field(STATUS_FIELD_NAME, lines.join("\n"))]
}

const STYLE_CODE: Readonly<Record<ButtonStyle, ButtonStyleCode>> = {
  primary: 1,
  secondary: 2,
  success: 3,
  danger: 4,
}

const button = (alert: Alert, spec: ReturnType<typeof buttonsFor>[number]): ButtonComponent => ({
  type: 2,
  style: STYLE_CODE[spec.style],
  label: spec.label,
  emoji: { name: spec.emoji },
  customId: encodeCustomId(spec.action, alert.id),
})

/** The action rows for the alert's current state (none once it is closed). */
export const alertComponents = (alert: Alert): ReadonlyArray<ActionRow> =>
  actionRows(buttonsFor(alert).map((spec) => button(alert, spec)))

// Date's range ends at ±8.64e15 ms; beyond it toISOString would throw.
const MAX_DATE_MS = 8_640_000_000_000_000

const isoTimestamp = (epochMs: number): string =>
  new Date(Number.isFinite(epochMs) ? Math.min(Math.max(epochMs, 0), MAX_DATE_MS) : 0).toISOString()

/** The ping line and the roles it may ping: whole mentions only, within Discord's limits. */
const ping = (
  alert: Alert,
  crtRoleIds: ReadonlyArray<string>,
): { readonly content: string | null; readonly allowedMentions: AllowedMentions } => {
  const roles: Array<string> = []
  let content = alert.escalated ? "📈 **ESCALATION** " : ""
  for (const id of pingRolesFor(alert.severity, crtRoleIds)) {
    const mention = `${roles.length === 0 ? "" : " "}<@&${id}>`
    const full =
      roles.length >= EMBED_LIMITS.allowedRoles || content.length + mention.length > EMBED_LIMITS.content
    if (full) break
    roles.push(id)
    content += mention
  }
  return roles.length === 0
    ? { content: null, allowedMentions: NO_MENTIONS }
    : { content, allowedMentions: { ...NO_MENTIONS, roles } }
}

/** Where the member wrote: a link to the channel message, or their direct message to Ash. */
const sourceFields = (input: AlertMessageInput, alert: Alert): ReadonlyArray<EmbedField> => {
  const o = alert.origin
  return input.viaDm === true
    ? [
        field(
          "🔗 Original Message",
          "A direct message to Ash: the conversation continues in this alert's thread.",
        ),
        field("📍 Channel", "Direct message", true),
      ]
    : [
        field(
          "🔗 Original Message",
          `[Jump to message](https://discord.com/channels/${o.guildId}/${o.sourceChannelId}/${o.sourceMessageId})`,
        ),
        field("📍 Channel", `<#${o.sourceChannelId}>`, true),
      ]
}

/** The alert message to post: embed, buttons, and the CRT ping for HIGH/CRITICAL only. */
export const renderAlertMessage = (input: AlertMessageInput, alert: Alert): AlertMessage => {
  const { analysis } = input
  const o = alert.origin
  const avatar = input.member.avatarUrl
  const embed: EmbedData = {
    title: STYLE[alert.severity].title,
    color: alertColor(alert),
    author: {
      // Stryker disable next-line ConditionalExpression,MethodExpression,StringLiteral: fitEmbed names a blank author "Member" too.
      name: escapePlain(input.member.displayName.trim() === "" ? "Member" : input.member.displayName, 256),
      ...(avatar !== undefined && /^https:\/\/\S+$/.test(avatar) && avatar.length <= 2048
        ? { iconUrl: avatar }
        : {}),
    },
    fields: [
      ...escalationField(alert, analysis),
      messageField(input.text),
      field("📊 Crisis Score", `\`${fixed(alert.crisisScore, 2)}\``, true),
      field("🎯 Confidence", `\`${percent(analysis.confidence)}\``, true),
      severityField(alert),
      ...optionalFields(analysis),
      ...sourceFields(input, alert),
      field("👤 User ID", `\`${o.memberId}\``, true),
      ...statusField(alert),
    ],
    footer: {
      text:
        `Request ID: ${escapePlain(analysis.requestId, MAX_REQUEST_ID)}` +
        (analysis.processingTimeMs === null ? "" : ` | Processing: ${fixed(analysis.processingTimeMs, 0)}ms`),
    },
    timestamp: isoTimestamp(alert.createdAt),
  }
  return { ...ping(alert, input.crtRoleIds), embeds: [fitEmbed(embed)], components: alertComponents(alert) }
}

/**
 * The edit that brings a posted alert up to date after a lifecycle transition, from the embed
 * as posted (the record keeps no message text to render it anew): title and severity (an alert
 * can be raised), colour, status and buttons.
 */
export const renderAlertUpdate = (posted: EmbedData, alert: Alert): AlertMessageEdit => {
  const fields = posted.fields
    .filter((f) => f.name !== STATUS_FIELD_NAME)
    .map((f) => (f.name === SEVERITY_FIELD_NAME ? severityField(alert) : f))
  const embed = {
    ...posted,
    title: STYLE[alert.severity].title,
    color: alertColor(alert),
    fields: [...fields, ...statusField(alert)],
  }
  return { embeds: [fitEmbed(embed)], components: alertComponents(alert), allowedMentions: NO_MENTIONS }
}
