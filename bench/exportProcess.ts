/**
 * The export of a range streamed from Redis in a process of its own, so that its memory is the
 * export's alone: `node --import tsx bench/exportProcess.ts <redis-url> <prefix> <first-day> <days>`
 * prints one JSON line: rows, bytes, milliseconds, RSS at the start and at its peak.
 */
import { Effect, Layer, Option, Redacted, Stream } from "effect"
import { exportText } from "../src/app/reports/Export.js"
import { AlertStore } from "../src/shell/AlertStore.js"
import { pseudonymsOf } from "../src/shell/Pseudonyms.js"
import { Redis } from "../src/shell/Redis.js"

const [url = "", keyPrefix = "", firstDay = "", days = "1"] = process.argv.slice(2)
const layer = AlertStore.layer().pipe(
  Layer.provide(Redis.layer({ url, password: Option.none(), keyPrefix, commandTimeoutMs: 10_000 })),
)
const pseudonym = pseudonymsOf(Redacted.make("bench-pseudonym-key-0123456789"))

const program = Effect.gen(function* () {
  // Connected and warmed up on one day first, so the start figure is the process at rest.
  yield* Stream.runDrain(exportText(firstDay, 1, "csv", pseudonym))
  const rssStart = process.memoryUsage().rss
  let rssPeak = rssStart
  let rows = 0
  let bytes = 0
  const start = performance.now()
  yield* exportText(firstDay, Number(days), "csv", pseudonym).pipe(
    Stream.runForEach((line) =>
      Effect.sync(() => {
        rows += 1
        bytes += line.length
        if (rows % 2_000 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage().rss)
      }),
    ),
  )
  const ms = performance.now() - start
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss)
  // The head and the tail are not rows.
  return { rows: rows - 2, bytes, ms, rssStart, rssPeak }
})

Effect.runPromise(Effect.scoped(Effect.provide(program, layer))).then(
  (result) => console.log(JSON.stringify(result)),
  (error) => {
    console.error(error)
    process.exit(1)
  },
)
