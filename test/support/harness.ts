import { afterEach } from "vitest"

/**
 * A crash inside a discord.js packet handler surfaces only as a process-level unhandled
 * rejection: no `error` event, no log. Any such rejection fails the test it happened in.
 */
const unhandled: unknown[] = []

process.on("unhandledRejection", (reason) => {
  unhandled.push(reason)
})

afterEach(() => {
  const seen = unhandled.splice(0, unhandled.length)
  if (seen.length > 0) {
    const detail = seen.map((r) => (r instanceof Error ? (r.stack ?? r.message) : String(r))).join("\n---\n")
    throw new Error(`${seen.length} unhandled rejection(s) during this test:\n${detail}`)
  }
})
