// What the JetStream bus shares with its consumers, redriver and replay: the connection, the
// server's error codes, and the bus as they use it (StreamAccess), so they need not import the bus.
import {
  JetStreamApiError,
  type ConsumerConfig,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { KvDeadLetters } from './deadLetters.ts';
import type { Names } from './names.ts';

export interface Connection {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

export const STREAM_NOT_FOUND = 10059;
export const CONSUMER_NOT_FOUND = 10014;

export function isApiError(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}

/** The bus (JetStreamBus) as its consumers, redriver and replay use it. */
export interface StreamAccess {
  readonly names: Names;
  readonly deadLetters: KvDeadLetters;
  /** The shared connection, made on first use. */
  connection(): Promise<Connection>;
  /** The topic's partition count, creating its stream on first use. */
  partitionsOf(topic: string): Promise<number>;
  /** The durable pull consumer of (group, topic, partition). */
  consumerConfig(group: string, topic: string, partition: number, ackWaitMs: number): Partial<ConsumerConfig>;
  lag(group: string, topics: readonly string[]): Promise<number>;
}
