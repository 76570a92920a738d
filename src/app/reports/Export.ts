/**
 * `/metrics export`: one row per alert of a range, pseudonymised, as CSV or JSON, read from Redis
 * a day and a page at a time. The file is built up to Discord's attachment limit and no further,
 * so a range too large to send never sits in memory whole.
 */
import { Effect, Layer, Option, Stream } from "effect"
import {
  type ExportFormat,
  exportHead,
  exportLine,
  exportRow,
  exportTail,
  type Pseudonym,
} from "../../core/AlertExport.js"
import { addDays } from "../../core/Calendar.js"
import { AlertStore } from "../../shell/AlertStore.js"

/** The largest attachment Discord takes from a bot in a server without boosts. */
export const ATTACHMENT_LIMIT_BYTES = 10 * 1024 * 1024

/** The export's text, a piece at a time: the head, a line per alert (oldest first), the tail. */
export const exportText = (firstDay: string, days: number, format: ExportFormat, pseudonym: Pseudonym) =>
  Stream.unwrap(
    Effect.map(AlertStore, (store) => {
      const rows = Stream.fromIterable(Array.from({ length: days }, (_, i) => addDays(firstDay, i))).pipe(
        Stream.flatMap((day) => store.alertsOn(day)),
        Stream.mapAccum(0, (n, alert) => [n + 1, exportLine(format, exportRow(alert, pseudonym), n === 0)]),
      )
      return Stream.make(exportHead(format)).pipe(
        Stream.concat(rows),
        Stream.concat(Stream.make(exportTail(format))),
      )
    }),
  )

export interface ExportFile {
  readonly name: string
  readonly data: Uint8Array
  readonly rows: number
}

/** The export as a file to attach; none when it would exceed `limitBytes`. */
export const exportFile = (
  firstDay: string,
  days: number,
  format: ExportFormat,
  pseudonym: Pseudonym,
  limitBytes: number = ATTACHMENT_LIMIT_BYTES,
) =>
  Effect.gen(function* () {
    const encoder = new TextEncoder()
    const built = yield* exportText(firstDay, days, format, pseudonym).pipe(
      Stream.map((text) => encoder.encode(text)),
      Stream.runFoldWhile(
        { parts: [] as Uint8Array[], size: 0 },
        (acc) => acc.size <= limitBytes,
        (acc, bytes) => {
          acc.parts.push(bytes)
          acc.size += bytes.length
          return acc
        },
      ),
    )
    if (built.size > limitBytes) return Option.none<ExportFile>()
    const data = new Uint8Array(built.size)
    let at = 0
    for (const part of built.parts) {
      data.set(part, at)
      at += part.length
    }
    return Option.some<ExportFile>({
      name: `crt-alerts-${firstDay}-to-${addDays(firstDay, days - 1)}.${format}`,
      data,
      // Every piece is a row but the head and the tail.
      rows: built.parts.length - 2,
    })
  })

/**
 * At start-up, in the background: alerts recorded before the per-day index existed are added to
 * it once, so that exports of those days find them too.
 */
export const ExportIndex = {
  Live: Layer.scopedDiscard(
    Effect.flatMap(AlertStore, (store) =>
      store.indexDays().pipe(
        Effect.tap((added) =>
          added > 0 ? Effect.logInfo(`${added} earlier alerts added to the export's day index`) : Effect.void,
        ),
        Effect.catchAll((e) => Effect.logWarning(`export day index not built yet: ${e.message}`)),
        Effect.forkScoped,
      ),
    ),
  ),
}
