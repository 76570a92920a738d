import { RESTJSONErrorCodes } from "discord-api-types/v10"
import { notFound, ok } from "../httpKit.js"
import { isThread, type World } from "../World.js"
import type { Route } from "./route.js"

/** Guilds, their channels (threads apart), roles and members. */
export const guildRoutes = (world: World): Route[] => [
  {
    method: "GET",
    pattern: "/guilds/:guild",
    handle: (ctx) => {
      const guild = world.guild(ctx.params.guild ?? "")
      return guild === undefined ? notFound(RESTJSONErrorCodes.UnknownGuild, "Guild") : ok(guild)
    },
  },
  {
    method: "GET",
    pattern: "/guilds/:guild/channels",
    handle: (ctx) => ok(world.guildChannels(ctx.params.guild ?? "").filter((c) => !isThread(c))),
  },
  {
    method: "GET",
    pattern: "/guilds/:guild/roles",
    handle: (ctx) => ok(world.guild(ctx.params.guild ?? "")?.roles ?? []),
  },
  {
    method: "GET",
    pattern: "/guilds/:guild/members/:user",
    handle: (ctx) => {
      const member = world.member(ctx.params.guild ?? "", ctx.params.user ?? "")
      return member === undefined ? notFound(RESTJSONErrorCodes.UnknownMember, "Member") : ok(member)
    },
  },
]
