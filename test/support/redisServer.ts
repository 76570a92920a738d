import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

export interface RedisServer {
  readonly port: number
  readonly url: string
  readonly dir: string
  /** Kill with SIGKILL (no shutdown save), as a crash would. */
  readonly crash: () => Promise<void>
  /** Start again on the same port and directory (reloading the AOF when it is on). */
  readonly restart: () => Promise<void>
  readonly stop: () => Promise<void>
}

const INSTALL_HINT =
  "redis-server is not on the PATH. The Redis tests start their own server: install it " +
  "(Debian/Ubuntu: `apt-get install redis-server`, macOS: `brew install redis`), " +
  "or point BOT_REDIS_URL / REDIS_URL at a Redis the tests may write to."

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const hasRedisServer = (): boolean =>
  spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0

const waitForReady = (child: ChildProcess, port: number): Promise<void> =>
  new Promise((resolve, reject) => {
    let output = ""
    const timer = setTimeout(
      () => reject(new Error(`redis-server on port ${port} did not start:\n${output}`)),
      10_000,
    )
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer)
        child.stdout?.off("data", onData)
        resolve()
      }
    }
    child.stdout?.on("data", onData)
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`redis-server exited with ${code}:\n${output}`))
    })
  })

/** Start a private redis-server on a free port: no persistence, or AOF fsynced on every write. */
export const startRedisServer = async (options: { readonly aof?: boolean } = {}): Promise<RedisServer> => {
  if (!hasRedisServer()) throw new Error(INSTALL_HINT)
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), "ash-redis-"))
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--save",
    "",
    "--appendonly",
    options.aof === true ? "yes" : "no",
    "--appendfsync",
    "always",
    "--loglevel",
    "notice",
  ]
  let child: ChildProcess
  const launch = async () => {
    child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] })
    await waitForReady(child, port)
  }
  const exited = (c: ChildProcess, signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve()
      c.once("exit", () => resolve())
      c.kill(signal)
    })
  await launch()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    crash: () => exited(child, "SIGKILL"),
    restart: launch,
    stop: async () => {
      await exited(child, "SIGTERM")
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
