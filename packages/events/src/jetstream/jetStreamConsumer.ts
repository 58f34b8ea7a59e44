import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsumerMessages, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { ConsumerHandle, SubscribeOptions } from '../bus.ts';
import { defaultBackoff, errorMessage, isOutage, observeClock } from '../delivery.ts';
import { isEnvelope } from '../envelope.ts';
import { applyOnce } from '../inbox.ts';
import { consumerName, streamName } from './names.ts';
import { runRedriver } from './redriver.ts';
import { CONSUMER_NOT_FOUND, isApiError, type StreamAccess } from './streams.ts';

interface Slot {
  topic: string;
  partition: number;
}

/**
 * One member of a consumer group on JetStream.
 * - Each (group, topic, partition) is one durable pull consumer shared by all
 *   members, with max_ack_pending 1: whichever member pulls, a partition has one
 *   event in flight, so per-key order holds with any number of members.
 * - Effects: each message goes through the consumer's inbox (applyOnce) and is
 *   acked after the commit. A crash between the commit and the ack only causes a
 *   redelivery after ack_wait (= leaseMs), which the inbox absorbs.
 * - Failures: a handler error naks with backoff(attempt), the attempt being the
 *   server's delivery count (so it survives restarts); at maxAttempts the event
 *   is dead-lettered and terminated, and the partition moves on. A database
 *   outage is retried here, the message kept with working(), and never counts.
 */
export function startJetStreamConsumer(bus: StreamAccess, options: SubscribeOptions): ConsumerHandle {
  const member = new JetStreamMember(bus, options);
  const running = member.run();
  return {
    stop: async () => {
      await member.stop();
      await running;
    },
    lag: () => bus.lag(options.group, member.topics),
  };
}

/** What a handler failure leaves to record: the event as received, why, and after how many attempts. */
interface Failure {
  envelope: unknown;
  error: string;
  attempts: number;
}

/** One member's state: its settings, the open message streams, and its stop signal. */
class JetStreamMember {
  readonly topics: string[];
  readonly #bus: StreamAccess;
  readonly #options: SubscribeOptions;
  readonly #owner: string;
  readonly #maxAttempts: number;
  readonly #backoff: (attempt: number) => number;
  readonly #leaseMs: number;
  readonly #logger: SubscribeOptions['logger'];
  readonly #stopping = new AbortController();
  readonly #open = new Set<ConsumerMessages>();

  constructor(bus: StreamAccess, options: SubscribeOptions) {
    this.#bus = bus;
    this.#options = options;
    this.#owner = `${options.instanceId ?? 'consumer'}:${randomUUID()}`;
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#backoff = options.backoff ?? defaultBackoff;
    this.#leaseMs = options.leaseMs ?? 15_000;
    this.topics = [...options.topics];
    this.#logger = options.logger.child({ consumerGroup: options.group });
  }

  async run(): Promise<void> {
    const slots = await this.#prepare();
    if (this.#stopping.signal.aborted) return;
    await Promise.all([
      ...slots.map((slot) => this.#consumePartition(slot)),
      runRedriver(
        this.#bus,
        { ...this.#options, logger: this.#logger, leaseMs: this.#leaseMs },
        this.#owner,
        this.#stopping.signal,
      ),
    ]);
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    await Promise.all([...this.#open].map((m) => m.close().catch(() => undefined)));
  }

  #pause(failures: number): Promise<void> {
    return sleep(Math.min(5000, 100 * 2 ** Math.min(failures, 6)), undefined, { signal: this.#stopping.signal }).catch(
      () => undefined,
    );
  }

  /** The group's durable consumer of every partition of its topics, created or brought to our settings. */
  async #prepare(): Promise<Slot[]> {
    for (let failures = 1; ; failures++) {
      try {
        const { jsm } = await this.#bus.connection();
        const slots: Slot[] = [];
        for (const topic of this.topics) {
          const partitions = await this.#bus.partitionsOf(topic);
          for (let partition = 0; partition < partitions; partition++) slots.push({ topic, partition });
        }
        for (const slot of slots) await this.#ensureConsumer(jsm, slot);
        return slots;
      } catch (error) {
        if (this.#stopping.signal.aborted) return [];
        if (failures === 1 || failures % 20 === 0)
          this.#logger.warn({ err: errorMessage(error) }, 'JetStream not ready for the consumer; retrying');
        await this.#pause(failures);
      }
    }
  }

  async #ensureConsumer(jsm: JetStreamManager, { topic, partition }: Slot): Promise<void> {
    const { group } = this.#options;
    const leaseMs = this.#leaseMs;
    const stream = streamName(this.#bus.names, topic);
    const name = consumerName(group, partition);
    const info = await jsm.consumers.info(stream, name).catch((error: unknown) => {
      if (isApiError(error, CONSUMER_NOT_FOUND)) return undefined;
      throw error;
    });
    if (!info) {
      // Members starting together may race here; creating an identical durable is idempotent.
      await jsm.consumers.add(stream, this.#bus.consumerConfig(group, topic, partition, leaseMs));
    } else if (info.config.ack_wait !== nanos(leaseMs) || info.config.max_ack_pending !== 1) {
      await jsm.consumers.update(stream, name, { ack_wait: nanos(leaseMs), max_ack_pending: 1 });
    }
  }

  /** Reads one partition until stopped, reconnecting after failures. */
  async #consumePartition(slot: Slot): Promise<void> {
    for (let failures = 0; !this.#stopping.signal.aborted;) {
      let messages: ConsumerMessages | undefined;
      try {
        const { js } = await this.#bus.connection();
        const consumer = await js.consumers.get(
          streamName(this.#bus.names, slot.topic),
          consumerName(this.#options.group, slot.partition),
        );
        messages = await consumer.consume({ max_messages: this.#options.batchSize ?? 100 });
        this.#open.add(messages);
        if (this.#stopping.signal.aborted) break;
        failures = 0;
        await this.#drain(messages, slot);
      } catch (error) {
        failures += 1;
        if (failures === 1 || failures % 20 === 0)
          this.#logger.warn(
            { topic: slot.topic, partition: slot.partition, err: errorMessage(error) },
            'partition consumer failed; retrying',
          );
        await this.#pause(failures);
      } finally {
        if (messages) {
          this.#open.delete(messages);
          await messages.close().catch(() => undefined);
        }
      }
    }
  }

  async #drain(messages: ConsumerMessages, slot: Slot): Promise<void> {
    for await (const m of messages) {
      try {
        await this.#handleMessage(m, slot);
      } catch (error) {
        // Dead-lettering itself failed (the bucket is unreachable): try the event again later.
        this.#logger.warn({ offset: m.seq, err: errorMessage(error) }, 'event not settled; it will be redelivered');
        m.nak(this.#backoff(1));
      }
      if (this.#stopping.signal.aborted) break;
    }
  }

  async #handleMessage(m: JsMsg, slot: Slot): Promise<void> {
    let envelope: unknown;
    try {
      envelope = JSON.parse(m.string());
    } catch {
      envelope = m.string();
    }
    if (!isEnvelope(envelope)) return this.#deadLetter(m, slot, { envelope, error: 'invalid envelope', attempts: 0 });
    observeClock(this.#options, envelope);
    const attempt = m.info.deliveryCount;
    const where = { topic: slot.topic, partition: slot.partition, offset: m.seq, attempt };
    for (let outages = 1; ; outages++) {
      try {
        await applyOnce(this.#options.db, envelope, where, this.#options);
        m.ack();
        return;
      } catch (error) {
        const message = errorMessage(error);
        if (isOutage(error)) {
          if (this.#stopping.signal.aborted) return m.nak();
          if (outages === 1 || outages % 20 === 0)
            this.#logger.warn(
              { eventId: envelope.id, err: message },
              'consumer database unavailable; holding the event',
            );
          m.working();
          await sleep(this.#backoff(Math.min(outages, 6)), undefined, { signal: this.#stopping.signal }).catch(
            () => undefined,
          );
          continue;
        }
        if (attempt >= this.#maxAttempts)
          return this.#deadLetter(m, slot, { envelope, error: message, attempts: attempt });
        this.#logger.warn(
          { eventId: envelope.id, type: envelope.type, attempt, err: message },
          'event handler failed; retrying',
        );
        return m.nak(this.#backoff(attempt));
      }
    }
  }

  async #deadLetter(m: JsMsg, slot: Slot, failure: Failure): Promise<void> {
    await this.#bus.deadLetters.record({
      group: this.#options.group,
      topic: slot.topic,
      partition: slot.partition,
      offset: m.seq,
      ...failure,
    });
    // No reason text: nats-server 2.9 takes "+TERM <reason>" for an unknown ack and redelivers.
    m.term();
    this.#logger.error(
      { topic: slot.topic, partition: slot.partition, offset: m.seq, attempts: failure.attempts, err: failure.error },
      'event dead-lettered',
    );
  }
}
