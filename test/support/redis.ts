import { randomBytes } from "node:crypto"
import { Effect, Layer, Option } from "effect"
import { inject } from "vitest"
import { Redis } from "../../src/shell/Redis.js"

/** A key prefix no other test (or test file) uses, so tests never share keys. */
export const uniquePrefix = (label: string): string => `test:${label}:${randomBytes(4).toString("hex")}:`

/** A Redis layer on the test run's server with a fresh key prefix. */
export const testRedis = (label: string, url: string = inject("redisUrl")) =>
  Redis.layer({ url, password: Option.none(), keyPrefix: uniquePrefix(label), commandTimeoutMs: 2_000 })

/** Run an effect that needs Redis against the test server. */
export const withRedis = <A, E>(label: string, effect: Effect.Effect<A, E, Redis>) =>
  Effect.runPromise(
    Effect.scoped(Layer.build(testRedis(label)).pipe(Effect.flatMap((ctx) => Effect.provide(effect, ctx)))),
  )
