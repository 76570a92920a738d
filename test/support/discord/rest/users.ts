import { RESTJSONErrorCodes } from "discord-api-types/v10"
import type { EmulatorState } from "../emulatorState.js"
import { notFound, ok } from "../httpKit.js"
import type { Route } from "./route.js"

/** Users, and opening the bot's DM channel with one of them. */
export const userRoutes = ({ world, botUser }: EmulatorState): Route[] => [
  { method: "GET", pattern: "/users/@me", handle: () => ok(botUser) },
  {
    method: "GET",
    pattern: "/users/:user",
    handle: (ctx) => {
      const user = world.user(ctx.params.user ?? "")
      return user === undefined ? notFound(RESTJSONErrorCodes.UnknownUser, "User") : ok(user)
    },
  },
  {
    method: "POST",
    pattern: "/users/@me/channels",
    handle: (ctx) => {
      const json = ctx.request.json
      const recipient =
        typeof json === "object" && json !== null && "recipient_id" in json ? String(json.recipient_id) : ""
      const channel = world.dmChannel(recipient)
      return channel === undefined ? notFound(RESTJSONErrorCodes.UnknownUser, "User") : ok(channel)
    },
  },
]
