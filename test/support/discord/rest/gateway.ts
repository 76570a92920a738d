import { ok } from "../httpKit.js"
import type { Endpoints } from "../loopback.js"
import type { Route } from "./route.js"

/** Where the gateway is: `/gateway/bot` for the bot (one shard), `/gateway` for anyone. */
export const gatewayRoutes = (endpoints: Endpoints): Route[] => [
  {
    method: "GET",
    pattern: "/gateway/bot",
    handle: () =>
      ok({
        url: endpoints.gatewayUrl,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 },
      }),
  },
  { method: "GET", pattern: "/gateway", open: true, handle: () => ok({ url: endpoints.gatewayUrl }) },
]
