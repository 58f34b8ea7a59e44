import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  jetstreamManager,
  type ConsumerConfig,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '@shop/platform';
import type * as bus from '../bus.ts';
import { assertEnvelope, type Envelope } from '../envelope.ts';
import { partitionOf } from '../partition.ts';
import { KvDeadLetters } from './deadLetters.ts';
import { startJetStreamConsumer } from './jetStreamConsumer.ts';
import {
  assertGroup,
  assertNamespace,
  assertTopic,
  consumerName,
  deadLetterBucket,
  describeTopic,
  partitionsFromDescription,
  streamName,
  subjectOf,
  subjectsOf,
  type Names,
} from './names.ts';
import { replayStream } from './replay.ts';
import { CONSUMER_NOT_FOUND, isApiError, STREAM_NOT_FOUND, type Connection, type StreamAccess } from './streams.ts';
import { trackedConsumer } from '../tracked.ts';

export interface JetStreamBusOptions {
  /** NATS_URL: one URL or several, comma-separated (nats://127.0.0.1:4222). */
  servers: string | readonly string[];
  logger?: Logger;
  /** Prefix of every stream, subject and bucket (default "shop"). */
  namespace?: string;
  /** Partitions of a topic created by this bus (default 8); an existing stream keeps its count. */
  partitions?: number;
  /** How long a published id is remembered for de-duplication (default 10 min). */
  duplicateWindowMs?: number;
  /** Stream and bucket replicas (default 1: a single server). */
  replicas?: number;
  /** Connection name shown by the server's monitoring. */
  name?: string;
}

export function createJetStreamBus(options: JetStreamBusOptions): JetStreamBus {
  return new JetStreamBus(options);
}

/**
 * The EventBus on NATS JetStream (nats-server >= 2.9.4).
 * - A file-backed stream per topic, subjects <ns>.<topic>.<partition>, with the
 *   partition from partitionOf(key), as on PostgreSQL; limits retention keeps
 *   every event for replay from offset 0.
 * - Publish sets Nats-Msg-Id to the envelope id: within the duplicate window a
 *   re-publish is stored once and reported `duplicate` with the original sequence.
 *   Within a partition each publish awaits its ack before the next is sent, so a
 *   failed publish never lets a later event of its key overtake it.
 * - Consumers: see jetStreamConsumer.ts. Dead letters: see deadLetters.ts.
 */
export class JetStreamBus implements bus.EventBus, StreamAccess {
  readonly backend = 'jetstream';
  readonly names: Names;
  readonly logger: Logger | undefined;
  readonly deadLetters: KvDeadLetters;
  readonly #servers: string[];
  readonly #connectionName: string;
  readonly #defaultPartitions: number;
  readonly #duplicateWindowMs: number;
  readonly #replicas: number;
  readonly #partitions = new Map<string, Promise<number>>();
  readonly #consumers = new Set<bus.ConsumerHandle>();
  #connecting: Promise<Connection> | undefined;
  #bucket: Promise<KV> | undefined;
  #closed = false;

  constructor(options: JetStreamBusOptions) {
    this.names = { namespace: options.namespace ?? 'shop' };
    assertNamespace(this.names.namespace);
    this.#servers = (typeof options.servers === 'string' ? options.servers.split(',') : [...options.servers])
      .map((s) => s.trim())
      .filter(Boolean);
    if (this.#servers.length === 0) throw new Error('createJetStreamBus needs at least one server');
    this.logger = options.logger;
    this.#connectionName = options.name ?? 'shop-events';
    this.#defaultPartitions = options.partitions ?? 8;
    this.#duplicateWindowMs = options.duplicateWindowMs ?? 10 * 60_000;
    this.#replicas = options.replicas ?? 1;
    this.deadLetters = new KvDeadLetters(() => this.#deadLetterBucket());
  }

  async ready(): Promise<void> {
    await this.connection();
  }

  /** The shared connection, made on first use; a failed attempt is forgotten so the next call tries again. */
  async connection(): Promise<Connection> {
    if (this.#closed) throw new Error('the JetStream bus is closed');
    this.#connecting ??= this.#connect();
    try {
      return await this.#connecting;
    } catch (error) {
      this.#connecting = undefined;
      throw error;
    }
  }

  async publish(topic: string, envelopes: readonly Envelope[]): Promise<bus.PublishResult[]> {
    assertTopic(topic);
    envelopes.forEach((e) => assertEnvelope(e));
    const unique = [...new Map(envelopes.map((e) => [e.id, e])).values()];
    if (unique.length === 0) return [];
    const { js } = await this.connection();
    const partitions = await this.partitionsOf(topic);
    const stream = streamName(this.names, topic);
    const byPartition = new Map<number, Envelope[]>();
    for (const e of unique) {
      const p = partitionOf(e.key, partitions);
      byPartition.set(p, [...(byPartition.get(p) ?? []), e]);
    }
    const results = new Map<string, bus.PublishResult>();
    await Promise.all(
      [...byPartition].map(async ([partition, batch]) => {
        for (const e of batch) {
          const ack = await js.publish(subjectOf(this.names, topic, partition), JSON.stringify(e), {
            msgID: e.id,
            expect: { streamName: stream },
          });
          results.set(e.id, { id: e.id, topic, partition, offset: ack.seq, duplicate: ack.duplicate });
        }
      }),
    );
    return unique.map((e) => results.get(e.id)!);
  }

  subscribe(options: bus.SubscribeOptions): bus.ConsumerHandle {
    options.topics.forEach(assertTopic);
    assertGroup(options.group);
    return trackedConsumer(this.#consumers, startJetStreamConsumer(this, options));
  }

  listDeadLetters(filter?: bus.DeadLetterFilter): Promise<bus.DeadLetter[]> {
    return this.deadLetters.list(filter);
  }

  redriveDeadLetter(id: string): Promise<boolean> {
    return this.deadLetters.requestRedrive(id);
  }

  /** Sum over the group's partition consumers of num_pending + num_ack_pending; a partition it never consumed counts all its events. */
  async lag(group: string, topics: readonly string[]): Promise<number> {
    assertGroup(group);
    const { jsm } = await this.connection();
    let total = 0;
    for (const topic of topics) {
      assertTopic(topic);
      const partitions = await this.partitionsOf(topic);
      const stream = streamName(this.names, topic);
      const counts = await Promise.all(
        Array.from({ length: partitions }, async (_, partition) => {
          try {
            const info = await jsm.consumers.info(stream, consumerName(group, partition));
            return info.num_pending + info.num_ack_pending;
          } catch (error) {
            if (!isApiError(error, CONSUMER_NOT_FOUND)) throw error;
            const info = await jsm.streams.info(stream, { subjects_filter: subjectOf(this.names, topic, partition) });
            return info.state.subjects?.[subjectOf(this.names, topic, partition)] ?? 0;
          }
        }),
      );
      total += counts.reduce((a, b) => a + b, 0);
    }
    return total;
  }

  replay(topic: string, options: bus.ReplayOptions = {}): AsyncIterable<bus.ReplayedEvent> {
    assertTopic(topic);
    return replayStream(this, topic, options);
  }

  /** Durable consumers cannot be rewound on 2.9 (consumer reset needs 2.14): each is deleted and made again from `toOffset + 1`. */
  async resetGroup(group: string, topic: string, toOffset = 0): Promise<void> {
    assertGroup(group);
    assertTopic(topic);
    const { jsm } = await this.connection();
    const partitions = await this.partitionsOf(topic);
    const stream = streamName(this.names, topic);
    for (let partition = 0; partition < partitions; partition++) {
      const existing = await jsm.consumers.info(stream, consumerName(group, partition)).catch((error: unknown) => {
        if (isApiError(error, CONSUMER_NOT_FOUND)) return undefined;
        throw error;
      });
      if (existing) await jsm.consumers.delete(stream, existing.name);
      const from: Partial<ConsumerConfig> =
        toOffset > 0
          ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: toOffset + 1 }
          : { deliver_policy: DeliverPolicy.All };
      await jsm.consumers.add(stream, {
        ...this.consumerConfig(group, topic, partition, (existing?.config.ack_wait ?? nanos(15_000)) / 1e6),
        ...from,
      });
    }
  }

  /** The durable pull consumer of (group, topic, partition): one event in flight (per-key order), explicit acks, retries decided by us. */
  consumerConfig(group: string, topic: string, partition: number, ackWaitMs: number): Partial<ConsumerConfig> {
    return {
      durable_name: consumerName(group, partition),
      filter_subject: subjectOf(this.names, topic, partition),
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(ackWaitMs),
      max_ack_pending: 1,
      max_deliver: -1,
      deliver_policy: DeliverPolicy.All,
    };
  }

  /** The topic's partition count, creating its stream with the default on first use. */
  partitionsOf(topic: string): Promise<number> {
    let known = this.#partitions.get(topic);
    if (!known) {
      known = this.#ensureStream(topic);
      this.#partitions.set(topic, known);
      known.catch(() => this.#partitions.delete(topic));
    }
    return known;
  }

  /** Deletes every stream of this namespace and its dead-letter bucket: for tests and benches, never for a live platform. */
  async destroyNamespace(): Promise<void> {
    const { jsm } = await this.connection();
    const mine = (name: string): boolean =>
      name.startsWith(`${this.names.namespace.toUpperCase()}_`) || name === `KV_${deadLetterBucket(this.names)}`;
    const names: string[] = [];
    for await (const name of jsm.streams.names()) if (mine(name)) names.push(name);
    for (const name of names) await jsm.streams.delete(name);
    this.#partitions.clear();
    this.#bucket = undefined;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#consumers].map((c) => c.stop()));
    this.#consumers.clear();
    this.#closed = true;
    const connecting = this.#connecting;
    this.#connecting = undefined;
    const connection = await connecting?.catch(() => undefined);
    if (connection) {
      await connection.nc.flush().catch(() => undefined);
      await connection.nc.close();
    }
  }

  async #connect(): Promise<Connection> {
    const nc = await connect({
      servers: this.#servers,
      name: this.#connectionName,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      timeout: 3000,
    });
    void this.#watchStatus(nc);
    const jsm = await jetstreamManager(nc).catch(async (error: unknown) => {
      await nc.close();
      throw error;
    });
    return { nc, jsm, js: jsm.jetstream() };
  }

  async #watchStatus(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect')
        this.logger?.warn({ nats: status.type, server: status.server }, `NATS ${status.type}`);
    }
  }

  async #ensureStream(topic: string): Promise<number> {
    const { jsm } = await this.connection();
    const name = streamName(this.names, topic);
    for (let round = 1; ; round++) {
      try {
        const info = await jsm.streams.info(name);
        return partitionsFromDescription(info.config.description) ?? this.#defaultPartitions;
      } catch (error) {
        if (!isApiError(error, STREAM_NOT_FOUND)) throw error;
      }
      try {
        await jsm.streams.add({
          name,
          subjects: [subjectsOf(this.names, topic)],
          description: describeTopic(topic, this.#defaultPartitions),
          storage: StorageType.File,
          retention: RetentionPolicy.Limits,
          discard: DiscardPolicy.Old,
          duplicate_window: nanos(this.#duplicateWindowMs),
          num_replicas: this.#replicas,
        });
        return this.#defaultPartitions;
      } catch (error) {
        // Another process made it first: read what it made (or give up: e.g. its subjects overlap another stream's).
        if (round >= 3) throw error;
        this.logger?.debug(
          { topic, err: error instanceof Error ? error.message : String(error) },
          'stream creation raced; reading it',
        );
      }
    }
  }

  async #deadLetterBucket(): Promise<KV> {
    this.#bucket ??= this.connection().then(({ js }) =>
      new Kvm(js).create(deadLetterBucket(this.names), {
        storage: StorageType.File,
        replicas: this.#replicas,
        history: 1,
      }),
    );
    try {
      return await this.#bucket;
    } catch (error) {
      this.#bucket = undefined;
      throw error;
    }
  }
}
