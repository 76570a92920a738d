import { createHash } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import type { RESTJSONErrorCodes } from "discord-api-types/v10"

export interface UploadedFile {
  /** Form field name, e.g. `files[0]`. */
  readonly key: string
  readonly filename: string
  readonly contentType: string
  readonly data: Uint8Array
}

export interface ParsedRequest {
  readonly method: string
  /** Decoded path after `/api/v10` (so `%40original` reads `@original`). */
  readonly path: string
  readonly query: URLSearchParams
  readonly authorization: string | undefined
  /** JSON body, or the multipart `payload_json`; undefined when there is none. */
  readonly json: unknown
  readonly files: readonly UploadedFile[]
  readonly multipart: boolean
}

export interface Reply {
  readonly status: number
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
}

export const ok = (body: unknown): Reply => ({ status: 200, body })
export const noContent: Reply = { status: 204 }

/** A Discord-style JSON error: `{ code, message, errors? }`. */
export const discordError = (status: number, code: number, message: string, errors?: unknown): Reply => ({
  status,
  body: errors === undefined ? { code, message } : { code, message, errors },
})

export const notFound = (code: RESTJSONErrorCodes, what: string): Reply =>
  discordError(404, code, `Unknown ${what}`)

export const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => resolve(Buffer.concat(chunks)))
    req.on("error", reject)
  })

/** Parses JSON or multipart/form-data (`payload_json` + `files[n]`) bodies; a string is a parse error. */
export const parseBody = async (
  contentType: string,
  raw: Buffer,
): Promise<{ json: unknown; files: UploadedFile[]; multipart: boolean } | string> => {
  if (raw.length === 0) return { json: undefined, files: [], multipart: false }
  if (contentType.startsWith("multipart/form-data")) {
    const form = await new Response(raw, { headers: { "content-type": contentType } }).formData()
    const files: UploadedFile[] = []
    let json: unknown
    for (const [key, value] of form.entries()) {
      if (typeof value === "string") {
        if (key !== "payload_json") continue
        const parsed = parseJson(value)
        if (typeof parsed === "string") return parsed
        json = parsed.value
      } else {
        const data = new Uint8Array(await value.arrayBuffer())
        files.push({ key, filename: value.name, contentType: value.type || "application/octet-stream", data })
      }
    }
    return { json, files, multipart: true }
  }
  const parsed = parseJson(raw.toString("utf8"))
  return typeof parsed === "string" ? parsed : { json: parsed.value, files: [], multipart: false }
}

const parseJson = (text: string): { value: unknown } | string => {
  try {
    return { value: JSON.parse(text) }
  } catch (cause) {
    return `invalid JSON: ${String(cause)}`
  }
}

/** Matches "/channels/:channel/messages" against a path; returns the named segments. */
export const matchPattern = (pattern: string, path: string): Record<string, string> | undefined => {
  const want = pattern.split("/")
  const got = path.split("/")
  if (want.length !== got.length) return undefined
  const params: Record<string, string> = {}
  for (const [i, segment] of want.entries()) {
    const actual = got[i] ?? ""
    if (segment.startsWith(":")) params[segment.slice(1)] = actual
    else if (segment !== actual) return undefined
  }
  return params
}

/** Stable per-route bucket ids, consistent from the first response (discord.js re-keys on change). */
export const bucketOf = (method: string, pattern: string): string =>
  createHash("sha1").update(`${method} ${pattern}`).digest("hex").slice(0, 16)

/** Headers of a route's rate-limit bucket, always far from the limit; none without a bucket. */
export const rateLimitHeaders = (bucket: string | undefined): Record<string, string> =>
  bucket === undefined
    ? {}
    : {
        "x-ratelimit-limit": "50",
        "x-ratelimit-remaining": "49",
        "x-ratelimit-reset": String(Date.now() / 1000 + 1),
        "x-ratelimit-reset-after": "1.000",
        "x-ratelimit-bucket": bucket,
      }

/** Writes a reply; 204 carries no body and no content-type (discord.js would JSON.parse ""). */
export const send = (res: ServerResponse, reply: Reply, bucket: string | undefined): void => {
  const headers: Record<string, string> = { ...rateLimitHeaders(bucket), ...reply.headers }
  if (reply.status === 204 || reply.body === undefined) {
    res.writeHead(reply.status, headers)
    res.end()
    return
  }
  if (reply.body instanceof Uint8Array) {
    res.writeHead(reply.status, { "content-type": "application/octet-stream", ...headers })
    res.end(reply.body)
    return
  }
  res.writeHead(reply.status, { "content-type": "application/json", ...headers })
  res.end(JSON.stringify(reply.body))
}
