import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsumerMessages, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { ConsumerHandle, SubscribeOptions } from '../bus.ts';
import { defaultBackoff, errorMessage, isOutage, observeClock } from '../delivery.ts';
import { isEnvelope } from '../envelope.ts';
import { applyOnce } from '../inbox.ts';
import { CONSUMER_NOT_FOUND, isApiError, type JetStreamBus } from './jetStreamBus.ts';
import { consumerName, streamName } from './names.ts';
import { runRedriver } from './redriver.ts';

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
export function startJetStreamConsumer(bus: JetStreamBus, options: SubscribeOptions): ConsumerHandle {
  const owner = `${options.instanceId ?? 'consumer'}:${randomUUID()}`;
  const maxAttempts = options.maxAttempts ?? 5;
  const backoff = options.backoff ?? defaultBackoff;
  const leaseMs = options.leaseMs ?? 15_000;
  const topics = [...options.topics];
  const logger = options.logger.child({ consumerGroup: options.group });
  const stopping = new AbortController();
  const open = new Set<ConsumerMessages>();

  const pause = (failures: number): Promise<void> =>
    sleep(Math.min(5000, 100 * 2 ** Math.min(failures, 6)), undefined, { signal: stopping.signal }).catch(
      () => undefined,
    );

  const ensureConsumer = async (jsm: JetStreamManager, { topic, partition }: Slot): Promise<void> => {
    const stream = streamName(bus.names, topic);
    const name = consumerName(options.group, partition);
    const info = await jsm.consumers.info(stream, name).catch((error: unknown) => {
      if (isApiError(error, CONSUMER_NOT_FOUND)) return undefined;
      throw error;
    });
    if (!info) {
      // Members starting together may race here; creating an identical durable is idempotent.
      await jsm.consumers.add(stream, bus.consumerConfig(options.group, topic, partition, leaseMs));
    } else if (info.config.ack_wait !== nanos(leaseMs) || info.config.max_ack_pending !== 1) {
      await jsm.consumers.update(stream, name, { ack_wait: nanos(leaseMs), max_ack_pending: 1 });
    }
  };

  const prepare = async (): Promise<Slot[]> => {
    for (let failures = 1; ; failures++) {
      try {
        const { jsm } = await bus.connection();
        const slots: Slot[] = [];
        for (const topic of topics) {
          const partitions = await bus.partitionsOf(topic);
          for (let partition = 0; partition < partitions; partition++) slots.push({ topic, partition });
        }
        for (const slot of slots) await ensureConsumer(jsm, slot);
        return slots;
      } catch (error) {
        if (stopping.signal.aborted) return [];
        if (failures === 1 || failures % 20 === 0)
          logger.warn({ err: errorMessage(error) }, 'JetStream not ready for the consumer; retrying');
        await pause(failures);
      }
    }
  };

  const deadLetter = async (
    m: JsMsg,
    slot: Slot,
    envelope: unknown,
    error: string,
    attempts: number,
  ): Promise<void> => {
    await bus.deadLetters.record({
      group: options.group,
      topic: slot.topic,
      partition: slot.partition,
      offset: m.seq,
      envelope,
      error,
      attempts,
    });
    // No reason text: nats-server 2.9 takes "+TERM <reason>" for an unknown ack and redelivers.
    m.term();
    logger.error(
      { topic: slot.topic, partition: slot.partition, offset: m.seq, attempts, err: error },
      'event dead-lettered',
    );
  };

  const handleMessage = async (m: JsMsg, slot: Slot): Promise<void> => {
    let envelope: unknown;
    try {
      envelope = JSON.parse(m.string());
    } catch {
      envelope = m.string();
    }
    if (!isEnvelope(envelope)) return deadLetter(m, slot, envelope, 'invalid envelope', 0);
    observeClock(options, envelope);
    const attempt = m.info.deliveryCount;
    for (let outages = 1; ; outages++) {
      try {
        await applyOnce(
          options.db,
          envelope,
          { topic: slot.topic, partition: slot.partition, offset: m.seq, attempt },
          options.handle,
          options.accepts,
        );
        m.ack();
        return;
      } catch (error) {
        const message = errorMessage(error);
        if (isOutage(error)) {
          if (stopping.signal.aborted) return m.nak();
          if (outages === 1 || outages % 20 === 0)
            logger.warn({ eventId: envelope.id, err: message }, 'consumer database unavailable; holding the event');
          m.working();
          await sleep(backoff(Math.min(outages, 6)), undefined, { signal: stopping.signal }).catch(() => undefined);
          continue;
        }
        if (attempt >= maxAttempts) return deadLetter(m, slot, envelope, message, attempt);
        logger.warn(
          { eventId: envelope.id, type: envelope.type, attempt, err: message },
          'event handler failed; retrying',
        );
        return m.nak(backoff(attempt));
      }
    }
  };

  const consumePartition = async (slot: Slot): Promise<void> => {
    for (let failures = 0; !stopping.signal.aborted;) {
      let messages: ConsumerMessages | undefined;
      try {
        const { js } = await bus.connection();
        const consumer = await js.consumers.get(
          streamName(bus.names, slot.topic),
          consumerName(options.group, slot.partition),
        );
        messages = await consumer.consume({ max_messages: options.batchSize ?? 100 });
        open.add(messages);
        if (stopping.signal.aborted) break;
        failures = 0;
        for await (const m of messages) {
          try {
            await handleMessage(m, slot);
          } catch (error) {
            // Dead-lettering itself failed (the bucket is unreachable): try the event again later.
            logger.warn({ offset: m.seq, err: errorMessage(error) }, 'event not settled; it will be redelivered');
            m.nak(backoff(1));
          }
          if (stopping.signal.aborted) break;
        }
      } catch (error) {
        failures += 1;
        if (failures === 1 || failures % 20 === 0)
          logger.warn(
            { topic: slot.topic, partition: slot.partition, err: errorMessage(error) },
            'partition consumer failed; retrying',
          );
        await pause(failures);
      } finally {
        if (messages) {
          open.delete(messages);
          await messages.close().catch(() => undefined);
        }
      }
    }
  };

  const run = async (): Promise<void> => {
    const slots = await prepare();
    if (stopping.signal.aborted) return;
    await Promise.all([
      ...slots.map(consumePartition),
      runRedriver(bus, { ...options, logger, leaseMs }, owner, stopping.signal),
    ]);
  };

  const running = run();
  return {
    stop: async () => {
      stopping.abort();
      await Promise.all([...open].map((m) => m.close().catch(() => undefined)));
      await running;
    },
    lag: () => bus.lag(options.group, topics),
  };
}
