import type { IncomingMessage, Server, ServerResponse } from "node:http"
import { RESTJSONErrorCodes } from "discord-api-types/v10"
import type { EmulatorState } from "../emulatorState.js"
import {
  bucketOf,
  discordError,
  matchPattern,
  type ParsedRequest,
  parseBody,
  type Reply,
  readBody,
  send,
} from "../httpKit.js"
import type { Endpoints } from "../loopback.js"
import type { Route } from "./route.js"

const prefix = "/api/v10"

interface Found {
  readonly route: Route
  readonly params: Record<string, string>
}

/** An incoming REST request, read but not yet routed. */
interface Incoming {
  readonly req: IncomingMessage
  readonly url: URL
  readonly method: string
  /** Decoded path after `/api/v10`. */
  readonly path: string
  readonly raw: Buffer
}

/** The first route with the request's method whose pattern matches the path. */
const findRoute = (routes: readonly Route[], method: string, path: string): Found | undefined => {
  for (const candidate of routes) {
    if (candidate.method !== method) continue
    const params = matchPattern(candidate.pattern, path)
    if (params !== undefined) return { route: candidate, params }
  }
  return undefined
}

/** Authenticates, parses and handles a request; what Discord would answer, breaches recorded. */
const routeReply = async (
  state: EmulatorState,
  found: Found | undefined,
  incoming: Incoming,
): Promise<Reply> => {
  const { req, method, path } = incoming
  if (found === undefined) {
    state.violation(`REST: no such route ${method} ${path}`)
    return discordError(404, 0, "404: Not Found")
  }
  if (found.route.open !== true && req.headers.authorization !== `Bot ${state.token}`) {
    state.violation(`REST: ${method} ${path} without the bot's token`)
    return discordError(401, 0, "401: Unauthorized")
  }
  const parsed = await parseBody(String(req.headers["content-type"] ?? ""), incoming.raw)
  if (typeof parsed === "string") {
    state.violation(`REST: ${method} ${path}: ${parsed}`)
    return discordError(400, RESTJSONErrorCodes.InvalidFormBodyOrContentType, "400: Bad Request")
  }
  const request: ParsedRequest = {
    method,
    path,
    query: incoming.url.searchParams,
    authorization: req.headers.authorization,
    ...parsed,
  }
  try {
    return found.route.handle({ request, params: found.params })
  } catch (error) {
    state.violation(`REST: ${method} ${path} crashed the emulator: ${String(error)}`)
    return discordError(500, 0, "500: Internal Server Error")
  }
}

/** Answers one request: an injected fault if one matches, else the route's reply; records both. */
const handleHttp = async (
  state: EmulatorState,
  endpoints: Endpoints,
  routes: readonly Route[],
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> => {
  const url = new URL(req.url ?? "/", endpoints.baseUrl)
  const method = (req.method ?? "GET").toUpperCase()
  const raw = await readBody(req)
  if (!url.pathname.startsWith(`${prefix}/`)) {
    state.violation(`REST: ${method} ${url.pathname} is outside ${prefix}`)
    send(res, discordError(404, 0, "404: Not Found"), undefined)
    return
  }
  const path = decodeURIComponent(url.pathname.slice(prefix.length))
  const found = findRoute(routes, method, path)
  const bucket = found === undefined ? undefined : bucketOf(method, found.route.pattern)
  const injected = state.faults.replyFor(method, path, bucket)
  const reply = injected ?? (await routeReply(state, found, { req, url, method, path, raw }))
  state.log(`${method} ${path} → ${reply.status}${injected !== undefined ? " (injected)" : ""}`)
  state.requests.push({
    method,
    path,
    status: reply.status,
    injected: injected !== undefined,
    at: Date.now(),
  })
  send(res, reply, bucket)
}

/** Serves the REST API under `/api/v10` from `routes`, with rate-limit headers per route bucket. */
export const serveRest = (
  server: Server,
  state: EmulatorState,
  endpoints: Endpoints,
  routes: readonly Route[],
): void => {
  server.on("request", (req, res) => {
    handleHttp(state, endpoints, routes, req, res).catch((error: unknown) => {
      state.violation(`REST: ${String(error)}`)
      if (!res.headersSent) send(res, discordError(500, 0, "500: Internal Server Error"), undefined)
    })
  })
}
