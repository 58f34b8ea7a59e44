import { DeliverPolicy } from '@nats-io/jetstream';
import type { ReplayOptions, ReplayedEvent } from '../bus.ts';
import { isEnvelope } from '../envelope.ts';
import { streamName } from './names.ts';
import type { StreamAccess } from './streams.ts';

/**
 * Reads a topic's stream with an ordered consumer (ephemeral, in stream order,
 * recreated by the client on a gap) from sequence `fromOffset + 1` up to the
 * last sequence when the replay starts. Stream order is publish order, which
 * holds per-partition order. Sequences that were deleted are simply absent.
 */
export async function* replayStream(
  bus: StreamAccess,
  topic: string,
  options: ReplayOptions,
): AsyncGenerator<ReplayedEvent> {
  const { js, jsm } = await bus.connection();
  await bus.partitionsOf(topic);
  const stream = streamName(bus.names, topic);
  const last = (await jsm.streams.info(stream)).state.last_seq;
  const from = (options.fromOffset ?? 0) + 1;
  if (from > last) return;
  const consumer = await js.consumers.get(stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from });
  const messages = await consumer.consume({ max_messages: 500 });
  const abort = (): void => void messages.close();
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    for await (const m of messages) {
      options.signal?.throwIfAborted();
      const envelope: unknown = JSON.parse(m.string());
      const partition = Number(m.subject.slice(m.subject.lastIndexOf('.') + 1));
      if (isEnvelope(envelope)) yield { event: envelope, topic, partition, offset: m.seq };
      // The end as of the start, or nothing left at all (the last sequence may have been deleted).
      if (m.seq >= last || m.info.pending === 0) break;
    }
    options.signal?.throwIfAborted();
  } finally {
    options.signal?.removeEventListener('abort', abort);
    await messages.close();
  }
}
