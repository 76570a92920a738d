import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import {
  Config,
  ConfigError,
  Context,
  Data,
  Duration,
  Effect,
  Either,
  Layer,
  Option,
  Redacted,
  Schedule,
  Schema,
} from "effect"
import { Redis as IORedis } from "ioredis"

/** A Redis command failed after its bounded retries. `operation` names what the bot was doing. */
export class RedisError extends Data.TaggedError("RedisError")<{
  readonly operation: string
  readonly cause: unknown
}> {
  override get message(): string {
    const detail = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `Redis ${this.operation} failed: ${detail}`
  }
}

export interface RedisSettings {
  readonly url: string
  readonly password: Option.Option<Redacted.Redacted>
  /** Prepended to every key. Empty in production; tests use it to keep their keys apart. */
  readonly keyPrefix: string
  /** How long one command may take before it counts as failed. */
  readonly commandTimeoutMs: number
}

const Port = Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 65_535))
const Db = Schema.NumberFromString.pipe(Schema.int(), Schema.between(0, 15))
const RedisUrl = Schema.String.pipe(
  Schema.filter((s) => /^rediss?:\/\/[^\s]+$/.test(s) || "a redis://host:port[/db] or rediss:// URL"),
)

const readSecretFile = (variable: string, path: string): Either.Either<string, ConfigError.ConfigError> => {
  try {
    return Either.right(readFileSync(path, "utf8").trim())
  } catch {
    return Either.left(ConfigError.InvalidData([variable], `cannot read the secret file ${path}`))
  }
}

/**
 * Redis connection settings from the environment: `BOT_REDIS_URL`, or Ash-Bot v5's
 * `BOT_REDIS_HOST` / `BOT_REDIS_PORT` / `BOT_REDIS_DB`; the password from `BOT_REDIS_PASSWORD`
 * or the file named by `BOT_REDIS_PASSWORD_FILE`.
 */
export const RedisSettingsConfig: Config.Config<RedisSettings> = Config.all({
  url: Schema.Config("BOT_REDIS_URL", RedisUrl).pipe(Config.option),
  host: Config.string("BOT_REDIS_HOST").pipe(Config.withDefault("127.0.0.1")),
  port: Schema.Config("BOT_REDIS_PORT", Port).pipe(Config.withDefault(6379)),
  db: Schema.Config("BOT_REDIS_DB", Db).pipe(Config.withDefault(0)),
  password: Config.redacted("BOT_REDIS_PASSWORD").pipe(Config.option),
  passwordFile: Config.string("BOT_REDIS_PASSWORD_FILE").pipe(Config.option),
  keyPrefix: Config.string("BOT_REDIS_KEY_PREFIX").pipe(Config.withDefault("")),
  commandTimeoutMs: Schema.Config(
    "BOT_REDIS_COMMAND_TIMEOUT_MS",
    Schema.NumberFromString.pipe(Schema.int(), Schema.between(100, 60_000)),
  ).pipe(Config.withDefault(2_000)),
}).pipe(
  Config.mapOrFail((c) => {
    const fromFile: Either.Either<Option.Option<Redacted.Redacted>, ConfigError.ConfigError> = Option.isSome(
      c.passwordFile,
    )
      ? Either.map(readSecretFile("BOT_REDIS_PASSWORD_FILE", c.passwordFile.value), (p) =>
          Option.some(Redacted.make(p)),
        )
      : Either.right(Option.none())
    return Either.map(fromFile, (filePassword) => ({
      url: Option.getOrElse(c.url, () => `redis://${c.host}:${c.port}/${c.db}`),
      password: Option.orElse(c.password, () => filePassword),
      keyPrefix: c.keyPrefix,
      commandTimeoutMs: c.commandTimeoutMs,
    }))
  }),
)

/** A Lua script run with EVALSHA, falling back to EVAL once when the server lost its script cache. */
export interface LuaScript {
  readonly name: string
  readonly source: string
  readonly sha: string
}

export const luaScript = (name: string, source: string): LuaScript => ({
  name,
  source,
  sha: createHash("sha1").update(source).digest("hex"),
})

export type ScriptArg = string | number

export interface RedisClient {
  readonly client: IORedis
  /** Prefix a key name (e.g. `ash:metrics:alert:…`). */
  readonly key: (name: string) => string
  /** Run one command, retried with bounded, jittered back-off; fails with RedisError. */
  readonly run: <A>(operation: string, f: (client: IORedis) => Promise<A>) => Effect.Effect<A, RedisError>
  readonly script: (
    script: LuaScript,
    keys: ReadonlyArray<string>,
    args: ReadonlyArray<ScriptArg>,
  ) => Effect.Effect<unknown, RedisError>
}

/** Transient failures are retried a few times, ~50 ms → 400 ms apart, then reported to the caller. */
const retryPolicy = Schedule.exponential(Duration.millis(50)).pipe(
  Schedule.jittered,
  Schedule.intersect(Schedule.recurs(3)),
)

const isNoScript = (error: unknown): boolean => error instanceof Error && error.message.startsWith("NOSCRIPT")

/** Build the client operations over one ioredis connection. */
export const makeRedisClient = (client: IORedis, keyPrefix: string): RedisClient => {
  // Retried only while connected: with the connection down a command fails at once (no offline
  // queue), so that a caller with a fallback is not held up by a Redis that is not there.
  const run = <A>(operation: string, f: (c: IORedis) => Promise<A>) =>
    Effect.tryPromise({ try: () => f(client), catch: (cause) => new RedisError({ operation, cause }) }).pipe(
      Effect.retry({ schedule: retryPolicy, while: () => client.status === "ready" }),
    )
  const script = (s: LuaScript, keys: ReadonlyArray<string>, args: ReadonlyArray<ScriptArg>) =>
    run(s.name, async (c) => {
      try {
        return await c.evalsha(s.sha, keys.length, ...keys, ...args)
      } catch (error) {
        if (!isNoScript(error)) throw error
        return await c.eval(s.source, keys.length, ...keys, ...args)
      }
    })
  return { client, key: (name) => `${keyPrefix}${name}`, run, script }
}

/** The bot's Redis connection. */
export class Redis extends Context.Tag("ash/Redis")<Redis, RedisClient>() {
  /** Connect on acquire, `QUIT` on release. */
  static layer(settings: RedisSettings): Layer.Layer<Redis, RedisError> {
    return Layer.scoped(
      Redis,
      Effect.acquireRelease(
        Effect.tryPromise({
          try: async () => {
            const client = new IORedis(settings.url, {
              ...(Option.isSome(settings.password)
                ? { password: Redacted.value(settings.password.value) }
                : {}),
              lazyConnect: true,
              enableOfflineQueue: false,
              enableAutoPipelining: true,
              maxRetriesPerRequest: 1,
              commandTimeout: settings.commandTimeoutMs,
              retryStrategy: (times: number) => Math.min(50 * 2 ** times, 1_000),
            })
            // Connection errors surface through the commands that fail, each logged where it
            // fails; without a listener ioredis would print every reconnection attempt.
            client.on("error", () => undefined)
            await client.connect()
            return client
          },
          catch: (cause) => new RedisError({ operation: "connect", cause }),
        }),
        (client) => Effect.promise(() => client.quit().catch(() => client.disconnect())),
      ).pipe(Effect.map((client) => makeRedisClient(client, settings.keyPrefix))),
    )
  }

  /** Connection settings from the environment. */
  static Live: Layer.Layer<Redis, RedisError | ConfigError.ConfigError> = Layer.unwrapEffect(
    Effect.map(RedisSettingsConfig, (settings) => Redis.layer(settings)),
  )
}
