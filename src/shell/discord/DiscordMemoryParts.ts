/** Building blocks of the Discord twin: event channels, ids, and injected faults. */
import { Effect, Stream } from "effect"
import type { InjectedFailure, Operation } from "./DiscordMemory.js"
import { DiscordError, failureOf } from "./DiscordPort.js"

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

/** Faults injected by the test, consumed one call at a time. */
export const faultBook = () => {
  const faults: Array<Fault> = []
  return {
    add: (fault: Fault) => {
      faults.push(fault)
    },
    /** Fails the call, waits out a 429, or lets it through. */
    check: (operation: Operation, target: string, what: string): Effect.Effect<void, DiscordError> =>
      Effect.suspend(() => {
        const fault = faults.find(
          (f) =>
            f.operation === operation && f.remaining > 0 && (f.target === undefined || f.target === target),
        )
        if (fault === undefined) return Effect.void
        fault.remaining -= 1
        const { status, code } = fault.failure
        if (status === 429) return Effect.sleep(fault.failure.retryAfterMs ?? 1_000)
        return Effect.fail(
          new DiscordError({
            operation: what,
            kind: failureOf(status, code ?? null),
            status,
            code: code ?? null,
            detail: `injected ${status}${code === undefined ? "" : ` (${code})`}`,
          }),
        )
      }),
  }
}
