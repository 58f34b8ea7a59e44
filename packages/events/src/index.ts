export { EnvelopeSchema, InvalidEnvelopeError, assertEnvelope, isEnvelope, type Envelope } from './envelope.ts';
export { HybridLogicalClock, compareHlc, decodeHlc, encodeHlc, type HlcTimestamp } from './hlc.ts';
export {
  compare as compareVectorClocks,
  increment as incrementVectorClock,
  merge as mergeVectorClocks,
  type VectorClock,
  type VectorOrder,
} from './vectorClock.ts';
export { INBOX_TABLE_SQL, OUTBOX_TABLE_SQL, appendToOutbox, type OutboxEvent } from './outbox.ts';
export type {
  ConsumerHandle,
  DeadLetter,
  DeadLetterFilter,
  DeadLetterStatus,
  Delivery,
  EventBackend,
  EventBus,
  EventHandler,
  PublishResult,
  ReplayOptions,
  ReplayedEvent,
  SubscribeOptions,
} from './bus.ts';
export { createEventBus, type EventBusOptions, type EventBusSettings } from './createEventBus.ts';
export { EVENTS_CHANNEL, PgEventLog, createPgEventLog, migrateEventLog, type PgEventLogOptions } from './pgEventLog.ts';
export { JetStreamBus, createJetStreamBus, type JetStreamBusOptions } from './jetstream/jetStreamBus.ts';
export { startOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from './relay.ts';
export { startConsumer, type ConsumerOptions } from './consumer.ts';
export { applyOnce } from './inbox.ts';
export { defaultBackoff } from './delivery.ts';
export { partitionOf } from './partition.ts';
export { listenForNotifications, type Listener } from './listener.ts';
export { relayOutboxToLog, waitForBus } from './wiring.ts';
export { createOutbox, type ContractEvent, type Outbox, type TransactionOutbox } from './createOutbox.ts';
export { outboxStore, type OutboxUnit } from './outboxStore.ts';
export {
  subscribe,
  type ClosingApp,
  type Subscription,
  type SubscriptionDeps,
  type SubscriptionOptions,
} from './subscribe.ts';
export { observeConsumerLag } from './lagGauge.ts';
