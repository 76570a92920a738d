/** Building blocks of the Discord twin: event channels, ids, injected faults and Discord's command rules. */
import { Effect, Stream } from "effect"
import type { InjectedFailure, Operation } from "./DiscordMemory.js"
import { type CommandOptionSpec, type CommandSpec, DiscordError, failureOf } from "./DiscordPort.js"

export interface Fault {
  readonly operation: Operation
  readonly target: string | undefined
  readonly failure: InjectedFailure
  remaining: number
}

/** Events injected before anyone listens wait for the first listener, as a test expects. */
export const channel = <A>() => {
  const listeners = new Set<(a: A) => void>()
  const backlog: Array<A> = []
  return {
    emit: (a: A): void => {
      if (listeners.size === 0) backlog.push(a)
      for (const l of listeners) l(a)
    },
    stream: Stream.asyncPush<A>((emit) =>
      Effect.acquireRelease(
        Effect.sync(() => {
          const listener = (a: A) => {
            emit.single(a)
          }
          listeners.add(listener)
          for (const a of backlog.splice(0)) listener(a)
          return listener
        }),
        (listener) => Effect.sync(() => listeners.delete(listener)),
      ),
    ),
  }
}

export const snowflakes = () => {
  let next = 1_500_000_000_000_000_000n
  return (): string => {
    next += 1n
    return next.toString()
  }
}

/** discord.js sends a request once and retries a 5xx answer three more times before giving up. */
const ATTEMPTS = 4

/**
 * Faults injected by the test, one per request as Discord would answer it. Like discord.js, a
 * call waits out each 429 and sends again, and retries a 5xx up to three times: only the fourth
 * 5xx in a row fails it (`unavailable`); any other 4xx fails it at once.
 */
export const faultBook = () => {
  const faults: Array<Fault> = []
  const take = (operation: Operation, target: string): InjectedFailure | undefined => {
    const fault = faults.find(
      (f) => f.operation === operation && f.remaining > 0 && (f.target === undefined || f.target === target),
    )
    if (fault === undefined) return undefined
    fault.remaining -= 1
    return fault.failure
  }
  const failed = (what: string, failure: InjectedFailure): DiscordError => {
    const { status, code } = failure
    return new DiscordError({
      operation: what,
      kind: failureOf(status, code ?? null),
      status,
      code: code ?? null,
      detail: `injected ${status}${code === undefined ? "" : ` (${code})`}`,
    })
  }
  const attempt = (
    operation: Operation,
    target: string,
    what: string,
    attempts: number,
  ): Effect.Effect<void, DiscordError> =>
    Effect.suspend(() => {
      const failure = take(operation, target)
      if (failure === undefined) return Effect.void
      if (failure.status === 429)
        return Effect.zipRight(
          Effect.sleep(failure.retryAfterMs ?? 1_000),
          attempt(operation, target, what, attempts),
        )
      if (failure.status >= 500 && attempts + 1 < ATTEMPTS)
        return attempt(operation, target, what, attempts + 1)
      return Effect.fail(failed(what, failure))
    })
  return {
    add: (fault: Fault) => {
      faults.push(fault)
    },
    /** Fails the call, waits out a 429, retries a 5xx, or lets it through. */
    check: (operation: Operation, target: string, what: string): Effect.Effect<void, DiscordError> =>
      attempt(operation, target, what, 0),
  }
}

// ---------------------------------------------------------------------------------------------
// Discord's rules for registering slash commands
// ---------------------------------------------------------------------------------------------

/** Command and option names; Discord also wants the lower-case form of every letter that has one. */
const NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u
const MAX_OPTIONS = 25
const MAX_CHOICES = 25

const badName = (name: string): boolean => !NAME.test(name) || name.toLowerCase() !== name
const badDescription = (description: string): boolean => description.length < 1 || description.length > 100

const choicesProblem = (option: CommandOptionSpec, at: string): string | undefined => {
  const choices = option.choices ?? []
  if (choices.length > MAX_CHOICES) return `${at}.choices`
  const bad = choices.findIndex((c) => c.name.length < 1 || c.name.length > 100 || c.value.length > 100)
  return bad === -1 ? undefined : `${at}.choices.${bad}`
}

/** One level of options: valid names, unique, sub-commands not mixed with values, required first. */
const optionsProblem = (
  options: ReadonlyArray<CommandOptionSpec>,
  at: string,
  inSubcommand: boolean,
): string | undefined => {
  if (options.length > MAX_OPTIONS) return at
  const subcommands = options.filter((o) => o.type === "subcommand").length
  if (subcommands !== 0 && (inSubcommand || subcommands !== options.length)) return at
  const names = new Set<string>()
  let optionalSeen = false
  for (const [i, option] of options.entries()) {
    const here = `${at}.${i}`
    if (badName(option.name) || names.has(option.name)) return `${here}.name`
    if (badDescription(option.description)) return `${here}.description`
    names.add(option.name)
    if (option.type === "subcommand") {
      const nested = optionsProblem(option.options ?? [], `${here}.options`, true)
      if (nested !== undefined) return nested
      continue
    }
    if (option.required === true && optionalSeen) return `${here}.required`
    if (option.required !== true) optionalSeen = true
    const choices = choicesProblem(option, here)
    if (choices !== undefined) return choices
  }
  return undefined
}

/** Why Discord would refuse to register these commands (the first bad field), if it would. */
export const commandsProblem = (commands: ReadonlyArray<CommandSpec>): string | undefined => {
  const names = new Set<string>()
  for (const [i, command] of commands.entries()) {
    if (badName(command.name) || names.has(command.name)) return `${i}.name`
    if (badDescription(command.description)) return `${i}.description`
    names.add(command.name)
    const options = optionsProblem(command.options, `${i}.options`, false)
    if (options !== undefined) return options
  }
  return undefined
}
