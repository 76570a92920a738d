import type { TestProject } from "vitest/node"
import { type RedisServer, startRedisServer } from "./redisServer.js"

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string
  }
}

let server: RedisServer | undefined

/** One private redis-server for the whole run, unless the environment names one. */
export async function setup(project: TestProject): Promise<void> {
  const given = process.env.BOT_REDIS_URL ?? process.env.REDIS_URL
  if (given !== undefined && given !== "") {
    project.provide("redisUrl", given)
    return
  }
  server = await startRedisServer()
  project.provide("redisUrl", server.url)
}

export async function teardown(): Promise<void> {
  await server?.stop()
}
