import { ApplicationCommandOptionType, ApplicationCommandType } from "discord-api-types/v10"

/**
 * Discord's rules for registering application commands: names, descriptions, option counts and
 * ordering. Each check returns the path of the first offending field ("options.0.name"), or
 * undefined when Discord would accept the command.
 */

/** Names of chat-input commands and of every option; lower case wherever a letter has one. */
const NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u
const MAX_OPTIONS = 25
const MAX_CHOICES = 25

const isRecord = (v: unknown): v is Readonly<Record<string, unknown>> =>
  typeof v === "object" && v !== null && !Array.isArray(v)

const badName = (name: unknown): boolean =>
  typeof name !== "string" || !NAME.test(name) || name.toLowerCase() !== name

const badDescription = (description: unknown): boolean =>
  typeof description !== "string" || description.length < 1 || description.length > 100

const isSubcommandLike = (type: unknown): boolean =>
  type === ApplicationCommandOptionType.Subcommand || type === ApplicationCommandOptionType.SubcommandGroup

const choicesProblem = (choices: unknown, at: string): string | undefined => {
  if (choices === undefined || choices === null) return undefined
  if (!Array.isArray(choices) || choices.length > MAX_CHOICES) return `${at}.choices`
  const bad = choices.findIndex(
    (c) =>
      !isRecord(c) ||
      typeof c.name !== "string" ||
      c.name.length < 1 ||
      c.name.length > 100 ||
      (typeof c.value === "string" ? c.value.length > 100 : typeof c.value !== "number"),
  )
  return bad === -1 ? undefined : `${at}.choices.${bad}`
}

/** One level of options: each valid, names unique, sub-commands not mixed with values, required first. */
const optionsProblem = (options: unknown, at: string, depth: number): string | undefined => {
  if (options === undefined || options === null) return undefined
  if (!Array.isArray(options) || options.length > MAX_OPTIONS) return at
  const names = new Set<string>()
  let optionalSeen = false
  const subcommands = options.filter((o) => isRecord(o) && isSubcommandLike(o.type)).length
  if (subcommands !== 0 && subcommands !== options.length) return at
  for (const [i, option] of options.entries()) {
    const here = `${at}.${i}`
    if (!isRecord(option) || typeof option.type !== "number") return here
    if (badName(option.name)) return `${here}.name`
    if (badDescription(option.description)) return `${here}.description`
    if (names.has(String(option.name))) return `${here}.name`
    names.add(String(option.name))
    if (isSubcommandLike(option.type)) {
      const group = option.type === ApplicationCommandOptionType.SubcommandGroup
      // A sub-command holds value options only; a group holds sub-commands only, one level deep.
      if (depth > (group ? 0 : 1)) return `${here}.type`
      const nested = optionsProblem(option.options, `${here}.options`, depth + 1)
      if (nested !== undefined) return nested
      const children = Array.isArray(option.options) ? option.options : []
      const childrenOk = children.every(
        (c) =>
          isRecord(c) &&
          (group ? c.type === ApplicationCommandOptionType.Subcommand : !isSubcommandLike(c.type)),
      )
      if (!childrenOk) return `${here}.options`
      continue
    }
    if (option.required === true && optionalSeen) return `${here}.required`
    if (option.required !== true) optionalSeen = true
    const choices = choicesProblem(option.choices, here)
    if (choices !== undefined) return choices
  }
  return undefined
}

/** Why Discord would refuse this command body, as the path of the first bad field. */
export const commandProblem = (raw: unknown): string | undefined => {
  if (!isRecord(raw)) return "body"
  const type = raw.type ?? ApplicationCommandType.ChatInput
  if (type !== ApplicationCommandType.ChatInput) {
    // User and message commands: any 1-32 character name, an empty description, no options.
    if (typeof raw.name !== "string" || raw.name.length < 1 || raw.name.length > 32) return "name"
    return raw.description === undefined || raw.description === "" ? undefined : "description"
  }
  if (badName(raw.name)) return "name"
  if (badDescription(raw.description)) return "description"
  return optionsProblem(raw.options, "options", 0)
}
