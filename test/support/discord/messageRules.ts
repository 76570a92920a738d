import {
  AllowedMentionsTypes,
  type APIAllowedMentions,
  type APIEmbed,
  ButtonStyle,
  ComponentType,
  type Snowflake,
} from "discord-api-types/v10"

/** One field error, as Discord reports it inside a 50035 "Invalid Form Body". */
export interface FieldProblem {
  readonly path: readonly (string | number)[]
  readonly code: string
  readonly message: string
}

/** The message fields we check; every one optional, as in create and edit bodies. */
export interface MessageShape {
  readonly content?: string | null | undefined
  readonly embeds?: readonly APIEmbed[] | null | undefined
  readonly components?: readonly unknown[] | null | undefined
}

const tooLong = (path: FieldProblem["path"], max: number): FieldProblem => ({
  path,
  code: "BASE_TYPE_MAX_LENGTH",
  message: `Must be ${max} or fewer in length.`,
})

const checkLength = (
  out: FieldProblem[],
  value: string | undefined,
  max: number,
  path: FieldProblem["path"],
) => {
  if (value !== undefined && value.length > max) out.push(tooLong(path, max))
}

const embedProblems = (embeds: readonly APIEmbed[]): FieldProblem[] => {
  const out: FieldProblem[] = []
  if (embeds.length > 10) out.push(tooLong(["embeds"], 10))
  let total = 0
  embeds.forEach((embed, i) => {
    checkLength(out, embed.title, 256, ["embeds", i, "title"])
    checkLength(out, embed.description, 4096, ["embeds", i, "description"])
    checkLength(out, embed.footer?.text, 2048, ["embeds", i, "footer", "text"])
    checkLength(out, embed.author?.name, 256, ["embeds", i, "author", "name"])
    const fields = embed.fields ?? []
    if (fields.length > 25) out.push(tooLong(["embeds", i, "fields"], 25))
    fields.forEach((field, j) => {
      checkLength(out, field.name, 256, ["embeds", i, "fields", j, "name"])
      checkLength(out, field.value, 1024, ["embeds", i, "fields", j, "value"])
      total += field.name.length + field.value.length
    })
    total += (embed.title?.length ?? 0) + (embed.description?.length ?? 0)
    total += (embed.footer?.text.length ?? 0) + (embed.author?.name.length ?? 0)
  })
  if (total > 6000) {
    out.push({
      path: ["embeds"],
      code: "MAX_EMBED_SIZE_EXCEEDED",
      message: "Embed size exceeds maximum size of 6000",
    })
  }
  return out
}

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const componentProblems = (rows: readonly unknown[]): FieldProblem[] => {
  const out: FieldProblem[] = []
  const seen = new Set<string>()
  if (rows.length > 5) out.push(tooLong(["components"], 5))
  rows.forEach((row, i) => {
    if (!isRecord(row) || row.type !== ComponentType.ActionRow || !Array.isArray(row.components)) return
    const children: readonly unknown[] = row.components
    if (children.length > 5) out.push(tooLong(["components", i, "components"], 5))
    children.forEach((child, j) => {
      if (!isRecord(child) || child.type !== ComponentType.Button) return
      const path = ["components", i, "components", j]
      if (typeof child.label === "string") checkLength(out, child.label, 80, [...path, "label"])
      if (child.style === ButtonStyle.Link || child.style === ButtonStyle.Premium) return
      if (typeof child.custom_id !== "string" || child.custom_id === "") {
        out.push({
          path: [...path, "custom_id"],
          code: "BASE_TYPE_REQUIRED",
          message: "This field is required",
        })
        return
      }
      checkLength(out, child.custom_id, 100, [...path, "custom_id"])
      if (seen.has(child.custom_id)) {
        out.push({
          path: [...path, "custom_id"],
          code: "COMPONENT_CUSTOM_ID_DUPLICATED",
          message: "Component custom id cannot be duplicated",
        })
      }
      seen.add(child.custom_id)
    })
  })
  return out
}

/** Discord's size limits for content, embeds and components. */
export const messageProblems = (shape: MessageShape): FieldProblem[] => [
  ...(shape.content !== null && shape.content !== undefined && shape.content.length > 2000
    ? [tooLong(["content"], 2000)]
    : []),
  ...embedProblems(shape.embeds ?? []),
  ...componentProblems(shape.components ?? []),
]

/** Nests problems the way Discord's `errors` object does, e.g. `{embeds:{0:{title:{_errors:[…]}}}}`. */
export const errorTree = (problems: readonly FieldProblem[]): Record<string, unknown> => {
  const root: Record<string, unknown> = {}
  for (const problem of problems) {
    let node = root
    for (const key of problem.path) {
      const next = node[String(key)]
      const child: Record<string, unknown> = isRecord(next) ? { ...next } : {}
      node[String(key)] = child
      node = child
    }
    const previous = Array.isArray(node._errors) ? node._errors : []
    node._errors = [...previous, { code: problem.code, message: problem.message }]
  }
  return root
}

export interface ResolvedMentions {
  readonly users: Snowflake[]
  readonly roles: Snowflake[]
  readonly everyone: boolean
}

/** Who a message actually pings, given its text and `allowed_mentions` (absent = parse all). */
export const resolveMentions = (
  content: string,
  allowed: APIAllowedMentions | undefined,
  repliedUser: Snowflake | undefined,
): ResolvedMentions => {
  const users = [...content.matchAll(/<@!?(\d{15,20})>/g)].flatMap((m) => (m[1] === undefined ? [] : [m[1]]))
  const roles = [...content.matchAll(/<@&(\d{15,20})>/g)].flatMap((m) => (m[1] === undefined ? [] : [m[1]]))
  const everyone = /@(everyone|here)/.test(content)
  if (allowed === undefined) {
    return {
      users: unique([...users, ...(repliedUser ? [repliedUser] : [])]),
      roles: unique(roles),
      everyone,
    }
  }
  const parse = allowed.parse ?? []
  const userOk = (id: Snowflake) =>
    parse.includes(AllowedMentionsTypes.User) || (allowed.users ?? []).includes(id)
  const roleOk = (id: Snowflake) =>
    parse.includes(AllowedMentionsTypes.Role) || (allowed.roles ?? []).includes(id)
  const replied = repliedUser !== undefined && allowed.replied_user === true ? [repliedUser] : []
  return {
    users: unique([...users.filter(userOk), ...replied]),
    roles: unique(roles.filter(roleOk)),
    everyone: everyone && parse.includes(AllowedMentionsTypes.Everyone),
  }
}

const unique = <A>(values: readonly A[]): A[] => [...new Set(values)]
