import { type APIApplicationCommand, ApplicationCommandType, type Snowflake } from "discord-api-types/v10"
import { commandProblem } from "../commandRules.js"
import type { EmulatorState } from "../emulatorState.js"
import { ok, type Reply } from "../httpKit.js"
import type { RegisteredCommand } from "../types.js"
import { invalidFormBody, type Route, type RouteContext } from "./route.js"

/** Commands registered globally (`guildId` undefined) or in one guild. */
export const commandsOf = (registered: readonly RegisteredCommand[], guildId: Snowflake | undefined) =>
  registered.filter((c) => c.guildId === guildId)

const nameOf = (raw: unknown): unknown =>
  typeof raw === "object" && raw !== null && "name" in raw ? raw.name : undefined

/** Names are unique per command type: a chat command and a user command may share one. */
const keyOf = (raw: unknown): string => {
  const type = typeof raw === "object" && raw !== null && "type" in raw ? raw.type : undefined
  return `${String(type ?? ApplicationCommandType.ChatInput)}/${String(nameOf(raw))}`
}

/** A command as Discord stores it, keeping the id of the one it replaces; a string names a bad field. */
const toCommand = (
  state: EmulatorState,
  raw: unknown,
  guildId: Snowflake | undefined,
  previous?: APIApplicationCommand,
): APIApplicationCommand | string => {
  const problem = commandProblem(raw)
  if (problem !== undefined) return problem
  const fields = raw as Partial<APIApplicationCommand>
  const type = fields.type ?? ApplicationCommandType.ChatInput
  return {
    ...(fields as APIApplicationCommand),
    id: previous?.id ?? state.nextId(),
    application_id: state.applicationId,
    type,
    description: fields.description ?? "",
    version: state.nextId(),
    default_member_permissions: fields.default_member_permissions ?? null,
    ...(guildId === undefined ? {} : { guild_id: guildId }),
  }
}

/** Bulk overwrite: the list replaces every command of its scope, or nothing when one is invalid. */
const putCommands = (state: EmulatorState, ctx: RouteContext): Reply => {
  const { registered } = state
  const guildId = ctx.params.guild
  const list = ctx.request.json
  if (!Array.isArray(list)) return invalidFormBody()
  const old = commandsOf(registered, guildId)
  const built: APIApplicationCommand[] = []
  const keys = new Set<string>()
  for (const raw of list) {
    const name = nameOf(raw)
    if (keys.has(keyOf(raw))) {
      state.violation(`command registration: /${String(name)} twice in one overwrite`)
      return invalidFormBody()
    }
    keys.add(keyOf(raw))
    const command = toCommand(state, raw, guildId, old.find((c) => c.command.name === name)?.command)
    if (typeof command === "string") {
      state.violation(`command registration: invalid ${command} in ${JSON.stringify(raw)}`)
      return invalidFormBody()
    }
    built.push(command)
  }
  for (const c of old) registered.splice(registered.indexOf(c), 1)
  for (const command of built) registered.push({ guildId, command })
  return ok(built)
}

/** Creates a command, or replaces the one of the same name (200 instead of 201). */
const postCommand = (state: EmulatorState, ctx: RouteContext): Reply => {
  const { registered } = state
  const guildId = ctx.params.guild
  const raw = ctx.request.json
  const name = nameOf(raw)
  const existing = commandsOf(registered, guildId).find((c) => c.command.name === name)
  const command = toCommand(state, raw, guildId, existing?.command)
  if (typeof command === "string") {
    state.violation(`command registration: invalid ${command}`)
    return invalidFormBody()
  }
  if (existing !== undefined) registered.splice(registered.indexOf(existing), 1)
  registered.push({ guildId, command })
  return { status: existing === undefined ? 201 : 200, body: command }
}

/** The application and its commands, global and per guild. */
export const commandRoutes = (state: EmulatorState): Route[] => {
  const { botUser, applicationId, registered } = state
  const put = (ctx: RouteContext) => putCommands(state, ctx)
  const post = (ctx: RouteContext) => postCommand(state, ctx)
  return [
    {
      method: "GET",
      pattern: "/applications/@me",
      handle: () =>
        ok({ id: applicationId, name: botUser.username, flags: 0, bot: botUser, description: "" }),
    },
    {
      method: "GET",
      pattern: "/applications/:application/commands",
      handle: () => ok(commandsOf(registered, undefined).map((c) => c.command)),
    },
    { method: "PUT", pattern: "/applications/:application/commands", handle: put },
    { method: "POST", pattern: "/applications/:application/commands", handle: post },
    {
      method: "GET",
      pattern: "/applications/:application/guilds/:guild/commands",
      handle: (ctx) => ok(commandsOf(registered, ctx.params.guild).map((c) => c.command)),
    },
    { method: "PUT", pattern: "/applications/:application/guilds/:guild/commands", handle: put },
    { method: "POST", pattern: "/applications/:application/guilds/:guild/commands", handle: post },
  ]
}
