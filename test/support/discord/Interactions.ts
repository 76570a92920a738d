import {
  type APIInteraction,
  type APIMessage,
  InteractionResponseType,
  type RESTPatchAPIInteractionOriginalResponseJSONBody,
  type RESTPostAPIInteractionCallbackJSONBody,
  type RESTPostAPIInteractionFollowupJSONBody,
  type Snowflake,
} from "discord-api-types/v10"
import type { InteractionCall, InteractionHandle } from "./types.js"

/** A pending `waitForCall`. */
interface CallWaiter {
  readonly test: (call: InteractionCall) => boolean
  readonly resolve: (call: InteractionCall) => void
}

/**
 * One interaction as Discord tracks it: the 3-second acknowledgement deadline, the token's
 * lifetime for webhooks, the original response, and every call the bot made for it.
 */
export class InteractionState implements InteractionHandle {
  readonly calls: InteractionCall[] = []
  readonly replies: APIMessage[] = []
  readonly firstCallback: Promise<InteractionCall | undefined>
  responseMs: number | undefined
  /** The message `@original` names once there is a callback. */
  originalId: Snowflake | undefined
  acknowledged = false
  private settleFirst: (call: InteractionCall | undefined) => void = () => undefined
  private readonly deadline: NodeJS.Timeout
  private readonly waiters = new Set<CallWaiter>()
  private readonly timers = new Set<NodeJS.Timeout>()

  constructor(
    readonly id: Snowflake,
    readonly token: string,
    readonly payload: APIInteraction,
    readonly createdAt: number,
    private readonly deadlineMs: number,
    private readonly tokenTtlMs: number,
    onMissedDeadline: (state: InteractionState) => void,
  ) {
    this.firstCallback = new Promise((resolve) => {
      this.settleFirst = resolve
    })
    this.deadline = setTimeout(() => {
      if (this.acknowledged) return
      onMissedDeadline(this)
      this.settleFirst(undefined)
    }, deadlineMs)
  }

  /** Milliseconds since the interaction was created. */
  age(now: number): number {
    return now - this.createdAt
  }

  withinDeadline(now: number): boolean {
    return this.age(now) <= this.deadlineMs
  }

  tokenValid(now: number): boolean {
    return this.age(now) <= this.tokenTtlMs
  }

  recordCallback(
    status: number,
    type: InteractionResponseType,
    body: RESTPostAPIInteractionCallbackJSONBody,
  ): void {
    const call: InteractionCall = { kind: "callback", type, body, status, atMs: this.age(Date.now()) }
    if (status < 300 && !this.acknowledged) {
      this.acknowledged = true
      this.responseMs = call.atMs
      clearTimeout(this.deadline)
      this.settleFirst(call)
    }
    this.push(call)
  }

  recordEdit(status: number, body: RESTPatchAPIInteractionOriginalResponseJSONBody): void {
    this.push({ kind: "edit-original", body, status, atMs: this.age(Date.now()) })
  }

  recordFollowUp(status: number, body: RESTPostAPIInteractionFollowupJSONBody): void {
    this.push({ kind: "follow-up", body, status, atMs: this.age(Date.now()) })
  }

  recordOriginal(kind: "get-original" | "delete-original", status: number): void {
    this.push({ kind, status, atMs: this.age(Date.now()) })
  }

  waitForCall(predicate: (call: InteractionCall) => boolean, timeoutMs = 5_000): Promise<InteractionCall> {
    const found = this.calls.find(predicate)
    if (found !== undefined) return Promise.resolve(found)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter)
        this.timers.delete(timer)
        const seen = this.calls.map((c) => `${c.kind}:${c.status}`).join(", ") || "(none)"
        reject(
          new Error(
            `emulator: interaction ${this.id}: no matching call within ${timeoutMs} ms; calls: ${seen}`,
          ),
        )
      }, timeoutMs)
      const waiter: CallWaiter = {
        test: predicate,
        resolve: (call) => {
          clearTimeout(timer)
          this.timers.delete(timer)
          resolve(call)
        },
      }
      this.timers.add(timer)
      this.waiters.add(waiter)
    })
  }

  close(): void {
    clearTimeout(this.deadline)
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    this.waiters.clear()
    this.settleFirst(undefined)
  }

  private push(call: InteractionCall): void {
    this.calls.push(call)
    for (const waiter of [...this.waiters]) {
      if (waiter.test(call)) {
        this.waiters.delete(waiter)
        waiter.resolve(call)
      }
    }
  }
}

/** Callback types that create a new message as the original response. */
export const createsMessage = (type: InteractionResponseType): boolean =>
  type === InteractionResponseType.ChannelMessageWithSource ||
  type === InteractionResponseType.DeferredChannelMessageWithSource

/** Callback types that answer on the component's own message. */
export const updatesMessage = (type: InteractionResponseType): boolean =>
  type === InteractionResponseType.DeferredMessageUpdate || type === InteractionResponseType.UpdateMessage
