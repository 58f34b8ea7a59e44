import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Database } from '@shop/data';
import type { Envelope } from './envelope.ts';
import type { Delivery, EventHandler } from './bus.ts';

const tracer = trace.getTracer('shop-events');

/**
 * The exactly-once effect, for any backend: the event id goes into the
 * consumer's processed_events inbox in the same transaction as the handler's
 * work. A redelivered event finds its id there and changes nothing; a handler
 * that throws rolls the inbox row back with everything else, so the retry runs.
 * The work is a consumer span in the producer's trace (the envelope's
 * traceparent), so a checkout's trace goes on into the email it caused.
 * A type the consumer does not `accept` is passed over: nothing to apply.
 */
export async function applyOnce(
  db: Database,
  event: Envelope,
  delivery: Delivery,
  handler: { handle: EventHandler; accepts?: ((type: string) => boolean) | undefined },
): Promise<'applied' | 'duplicate' | 'ignored'> {
  const { handle, accepts } = handler;
  if (accepts && !accepts(event.type)) return 'ignored';
  const parent = event.traceparent
    ? propagation.extract(ROOT_CONTEXT, { traceparent: event.traceparent })
    : ROOT_CONTEXT;
  const span = tracer.startSpan(
    `process ${event.type}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.operation.type': 'process',
        'messaging.destination.name': delivery.topic,
        'messaging.message.id': event.id,
        'messaging.destination.partition.id': String(delivery.partition),
        'shop.delivery.attempt': delivery.attempt,
      },
    },
    parent,
  );
  try {
    const outcome = await context.with(trace.setSpan(parent, span), () =>
      db.transaction(async (tx) => {
        const inserted = await tx.query(
          'INSERT INTO processed_events (event_id) VALUES ($1) ON CONFLICT (event_id) DO NOTHING',
          [event.id],
        );
        if (inserted.rowCount === 0) return 'duplicate' as const;
        await handle(event, tx, delivery);
        return 'applied' as const;
      }),
    );
    span.setAttribute('shop.inbox', outcome);
    return outcome;
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    span.end();
  }
}
