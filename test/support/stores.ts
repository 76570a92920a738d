import { Layer } from "effect"
import { AlertStore } from "../../src/shell/AlertStore.js"
import { CooldownStore } from "../../src/shell/CooldownStore.js"
import { IntakeCounters } from "../../src/shell/IntakeCounters.js"
import { defaultRetention, type Retention } from "../../src/shell/Keys.js"
import { MemberStore } from "../../src/shell/MemberStore.js"
import { OutageBuffer } from "../../src/shell/OutageBuffer.js"
import { PendingAlerts } from "../../src/shell/PendingAlerts.js"
import type { Redis } from "../../src/shell/Redis.js"
import { RelayStore } from "../../src/shell/RelayStore.js"
import { ReportLedger } from "../../src/shell/ReportLedger.js"
import { ResponseIndex } from "../../src/shell/ResponseIndex.js"
import { TimerStore } from "../../src/shell/TimerStore.js"
import { testRedis } from "./redis.js"

export type Stores =
  | AlertStore
  | TimerStore
  | CooldownStore
  | MemberStore
  | IntakeCounters
  | OutageBuffer
  | PendingAlerts
  | ResponseIndex
  | RelayStore
  | ReportLedger

/** Every store in process memory. */
export const memoryStores = (): Layer.Layer<Stores> =>
  Layer.mergeAll(
    AlertStore.Memory.pipe(Layer.provideMerge(TimerStore.Memory)),
    CooldownStore.Memory,
    MemberStore.Memory,
    IntakeCounters.Memory,
    OutageBuffer.Memory,
    PendingAlerts.Memory,
    ResponseIndex.Memory,
    RelayStore.Memory,
    ReportLedger.Memory,
  )

/** Every store on the given Redis layer. */
export const redisStoresOn = <E>(
  redis: Layer.Layer<Redis, E>,
  retention: Retention = defaultRetention,
): Layer.Layer<Stores | Redis, E> =>
  Layer.mergeAll(
    AlertStore.layer(retention),
    TimerStore.Live,
    CooldownStore.Live,
    MemberStore.Live,
    IntakeCounters.layer(retention.dailyMs),
    OutageBuffer.Live,
    PendingAlerts.Live,
    ResponseIndex.Live,
    RelayStore.Live,
    ReportLedger.Live,
  ).pipe(Layer.provideMerge(redis))

/** Every store on the test run's Redis, under a key prefix of their own. */
export const redisStores = (label: string, retention?: Retention) =>
  redisStoresOn(testRedis(label), retention)

export const backends = [
  { name: "memory", layer: (_label: string) => memoryStores() },
  { name: "redis", layer: (label: string) => redisStores(label) },
] as const
