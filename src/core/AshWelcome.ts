/**
 * What Ash sends a member it reaches: a caring welcome for the alert's severity, the community's
 * crisis resources, and a button to ask for a person instead. The welcome Ash sends on its own
 * (auto-initiate) says that it is automatic and never claims that a person wrote it.
 */
import { Either, Schema } from "effect"
import type { AlertId } from "./Alert.js"
import { encodeCustomId, OPT_OUT_ACTION } from "./CustomId.js"
import type { ActionRow, AllowedMentions, EmbedData } from "./DiscordMessage.js"
import type { AshContactMode } from "./milestones/AshContacted.js"
import { ALERT_SEVERITIES, type AlertSeverity } from "./Severity.js"

/** One crisis line or service. */
export const CrisisResource = Schema.Struct({
  name: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(100)),
  /** How to reach it: "Call or text 988". */
  contact: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200)),
  url: Schema.optional(Schema.String.pipe(Schema.pattern(/^https?:\/\/\S+$/), Schema.maxLength(200))),
})
export type CrisisResource = typeof CrisisResource.Type

/** A welcome text for each alert severity. */
export type WelcomeBySeverity = Readonly<Record<AlertSeverity, string>>

export interface AshTemplates {
  /** Sent when a CRT member pressed Talk to Ash (`manual`) or nobody took the alert on in time (`auto`). */
  readonly welcome: Readonly<Record<AshContactMode, WelcomeBySeverity>>
  readonly resourcesTitle: string
  readonly resources: ReadonlyArray<CrisisResource>
}

/** The placeholders a welcome may use; anything else in braces is refused at start-up. */
export const PLACEHOLDERS = ["member"] as const

/**
 * The first line of every automatic welcome, whatever the templates say: the member learns at once
 * that no person wrote it.
 */
export const AUTO_NOTICE =
  "🤖 *This is an automated message from Ash, this community's support bot — no person wrote it.*"

/**
 * The defaults: honest about who writes (Ash, a bot), caring, and no promise the bot cannot keep.
 * The resources are the US lines the first Ash-Bot listed; communities elsewhere set their own.
 */
export const DEFAULT_TEMPLATES: AshTemplates = {
  welcome: {
    manual: {
      medium:
        "Hi {member}, this is Ash, this community's support bot. A member of our Crisis Response Team asked me to check in with you: it sounded like things might be weighing on you. There is no pressure to answer — a person from the team will reach out to you, and you are welcome here however you feel.",
      high: "Hi {member}, this is Ash, this community's support bot. A member of our Crisis Response Team asked me to reach out because they are worried about you. You are not alone with this: a person from the team will contact you personally, soon. If you need someone right away, the lines below are there for you at any hour.",
      critical:
        "Hi {member}, this is Ash, this community's support bot. A member of our Crisis Response Team asked me to reach out right away because they care about your safety. A person from the team is coming to talk with you. If you are in danger right now, please call your local emergency number or one of the lines below — they answer at any hour.",
    },
    auto: {
      medium:
        "Hi {member}. Something you wrote suggested things might be hard right now, so I let our Crisis Response Team know. There is no pressure to answer; a person from the team can reach out if you would like that.",
      high: "Hi {member}. Something you wrote made us worried about you, so I told our Crisis Response Team, and a person from the team will reach out to you. If you need someone right away, the lines below are there for you at any hour.",
      critical:
        "Hi {member}. Something you wrote made us worried about your safety. Our Crisis Response Team has been told and a person from the team will reach out as soon as they can. If you are in danger right now, please call your local emergency number or one of the lines below — they answer at any hour.",
    },
  },
  resourcesTitle: "If you need someone right now (US lines)",
  resources: [
    { name: "988 Suicide & Crisis Lifeline", contact: "Call or text 988", url: "https://988lifeline.org" },
    {
      name: "The Trevor Project",
      contact: "Call 1-866-488-7386 or text START to 678-678",
      url: "https://www.thetrevorproject.org/get-help/",
    },
    { name: "Trans Lifeline", contact: "Call 1-877-565-8860", url: "https://translifeline.org" },
  ],
}

/** Discord allows 2,000 characters of content; a welcome stays well inside. */
export const WELCOME_MAX_LENGTH = 1_500

const WelcomeText = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(WELCOME_MAX_LENGTH))
const Welcomes = Schema.Struct({ medium: WelcomeText, high: WelcomeText, critical: WelcomeText })

/**
 * The template file (`BOT_ASH_TEMPLATES_FILE`, JSON). Every part is optional and falls back to
 * the default; a welcome set that is given must name all three severities.
 */
export const TemplatesFile = Schema.Struct({
  welcome: Schema.optional(
    Schema.Struct({ manual: Schema.optional(Welcomes), auto: Schema.optional(Welcomes) }),
  ),
  resourcesTitle: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(256))),
  /** At least one: every welcome carries the community's crisis lines. */
  resources: Schema.optional(Schema.Array(CrisisResource).pipe(Schema.minItems(1), Schema.maxItems(10))),
})
export type TemplatesFile = typeof TemplatesFile.Type

/** What is wrong with one welcome text: placeholders we do not know, pings it must not make. */
export const welcomeProblems = (text: string): ReadonlyArray<string> => {
  const problems: Array<string> = []
  for (const match of text.matchAll(/\{([^{}]*)\}/g)) {
    // Stryker disable next-line StringLiteral: the pattern's group always matches, so this is never used.
    const name = match[1] ?? ""
    // Stryker disable next-line MethodExpression: with one placeholder, `some` and `every` agree.
    if (!PLACEHOLDERS.some((p) => p === name))
      // Stryker disable next-line StringLiteral: with one placeholder, the list has no separator.
      problems.push(`unknown placeholder {${name}} (known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(", ")})`)
  }
  if (/@(everyone|here)\b/.test(text)) problems.push("@everyone and @here are not allowed")
  if (/<@&\d+>/.test(text)) problems.push("role mentions are not allowed")
  if (/<@!?\d+>/.test(text)) problems.push("user mentions are not allowed (use {member})")
  return problems
}

/** The templates a file gives, over the defaults, or every problem found (path: problem). */
export const templatesFrom = (file: TemplatesFile): Either.Either<AshTemplates, ReadonlyArray<string>> => {
  const welcome = {
    manual: file.welcome?.manual ?? DEFAULT_TEMPLATES.welcome.manual,
    auto: file.welcome?.auto ?? DEFAULT_TEMPLATES.welcome.auto,
  }
  const problems = (["manual", "auto"] as const).flatMap((mode) =>
    ALERT_SEVERITIES.flatMap((severity) =>
      welcomeProblems(welcome[mode][severity]).map((p) => `welcome.${mode}.${severity}: ${p}`),
    ),
  )
  if (problems.length > 0) return Either.left(problems)
  return Either.right({
    welcome,
    resourcesTitle: file.resourcesTitle ?? DEFAULT_TEMPLATES.resourcesTitle,
    resources: file.resources ?? DEFAULT_TEMPLATES.resources,
  })
}

export interface WelcomeFor {
  readonly alertId: AlertId
  readonly memberId: string
  readonly severity: AlertSeverity
  readonly mode: AshContactMode
}

export interface WelcomeMessage {
  readonly content: string
  readonly embeds: ReadonlyArray<EmbedData>
  readonly components: ReadonlyArray<ActionRow>
  readonly allowedMentions: AllowedMentions
}

/** Soft teal: a resources card, not an alert. */
const RESOURCES_COLOR = 0x2a9d8f

const resourceLine = (r: CrisisResource): string =>
  `**${r.name}** — ${r.contact}${r.url === undefined ? "" : `\n${r.url}`}`

/** The opt-out button: the member asks for a person instead of Ash. */
export const optOutButton = (alertId: AlertId): ActionRow => ({
  type: 1,
  components: [
    {
      type: 2,
      style: 2,
      label: "I'd rather talk to a person",
      emoji: { name: "👤" },
      customId: encodeCustomId(OPT_OUT_ACTION, alertId),
    },
  ],
})

const contentOf = (templates: AshTemplates, to: WelcomeFor): string => {
  const text = templates.welcome[to.mode][to.severity].replaceAll("{member}", `<@${to.memberId}>`)
  return to.mode === "auto" ? `${AUTO_NOTICE}\n\n${text}` : text
}

/** The welcome for one member: only the member may be pinged by it, nobody else. */
export const renderWelcome = (templates: AshTemplates, to: WelcomeFor, now: number): WelcomeMessage => ({
  content: contentOf(templates, to),
  embeds: [
    {
      title: templates.resourcesTitle,
      description: templates.resources.map(resourceLine).join("\n\n"),
      color: RESOURCES_COLOR,
      fields: [],
      timestamp: new Date(now).toISOString(),
    },
  ],
  components: [optOutButton(to.alertId)],
  allowedMentions: { parse: [], roles: [], users: [to.memberId], repliedUser: false },
})
