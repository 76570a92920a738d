import { botMessages } from "./botMessages.js"
import { controlApi } from "./control.js"
import { createState, type EmulatorContext, type EmulatorCore } from "./emulatorState.js"
import { openGateway } from "./gatewayFeed.js"
import { openLoopback } from "./loopback.js"
import { channelRoutes } from "./rest/channels.js"
import { commandRoutes } from "./rest/commands.js"
import { gatewayRoutes } from "./rest/gateway.js"
import { guildRoutes } from "./rest/guilds.js"
import { interactionRoutes } from "./rest/interactions.js"
import { serveRest } from "./rest/server.js"
import { threadRoutes } from "./rest/threads.js"
import { userRoutes } from "./rest/users.js"
import type { DiscordEmulator, DiscordEmulatorOptions } from "./types.js"

/**
 * A loopback Discord for the real discord.js client: REST under `/api/v10` and the gateway on one
 * 127.0.0.1 port, with a test-control API. It is strict where Discord is strict (intents, the
 * interaction deadline, message limits, explicit `allowed_mentions`) and records each breach in
 * `violations` so a test can fail on it.
 */
export const startDiscordEmulator = async (
  options: DiscordEmulatorOptions = {},
): Promise<DiscordEmulator> => {
  const state = createState(options)
  const loopback = await openLoopback()
  const core: EmulatorCore = {
    ...state,
    ...loopback.endpoints,
    gateway: openGateway(state, loopback.endpoints, loopback.wss, options),
  }
  const emu: EmulatorContext = { ...core, messages: botMessages(core) }
  serveRest(loopback.server, state, loopback.endpoints, [
    ...gatewayRoutes(loopback.endpoints),
    ...userRoutes(state),
    ...channelRoutes(emu),
    ...threadRoutes(emu),
    ...guildRoutes(state.world),
    ...commandRoutes(state),
    ...interactionRoutes(emu),
  ])
  return controlApi(emu, loopback.close)
}
