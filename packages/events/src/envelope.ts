import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * The envelope every event travels in, on every backend. Validated when it is
 * appended to the log and again when a consumer receives it, so a malformed
 * event is refused at the producer's door or dead-lettered at the consumer's,
 * never half-applied. Payloads are checked against their own schemas by the
 * consumer that understands the type.
 */
export const EnvelopeSchema = Type.Object({
  /** UUIDv7 for events built by appendToOutbox; older producers may use v4. The dedup key everywhere. */
  id: Type.String({ format: 'uuid' }),
  type: Type.String({ minLength: 1, maxLength: 200, pattern: '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$' }),
  version: Type.Integer({ minimum: 1 }),
  /** Ordering key: events with one key are delivered in order (usually the aggregate id). */
  key: Type.String({ minLength: 1, maxLength: 500 }),
  aggregateId: Type.String({ minLength: 1, maxLength: 500 }),
  producer: Type.String({ minLength: 1, maxLength: 200 }),
  occurredAt: Type.String({ format: 'date-time' }),
  correlationId: Type.Optional(Type.String({ maxLength: 200 })),
  causationId: Type.Optional(Type.String({ maxLength: 200 })),
  /** W3C trace context of the operation that produced the event. */
  traceparent: Type.Optional(Type.String({ maxLength: 200 })),
  /** Hybrid logical clock timestamp (see hlc.ts), sortable as a string. */
  hlc: Type.Optional(Type.String({ maxLength: 200 })),
  payload: Type.Record(Type.String(), Type.Unknown()),
});

export type Envelope = Static<typeof EnvelopeSchema>;

const compiled = Compile(EnvelopeSchema);

export class InvalidEnvelopeError extends Error {
  override name = 'InvalidEnvelopeError';
}

export function isEnvelope(value: unknown): value is Envelope {
  return compiled.Check(value);
}

/** Throws InvalidEnvelopeError naming the offending fields. */
export function assertEnvelope(value: unknown): asserts value is Envelope {
  if (compiled.Check(value)) return;
  const problems = [...compiled.Errors(value)].slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`);
  throw new InvalidEnvelopeError(`Invalid event envelope: ${problems.join('; ')}`);
}
