import { randomBytes } from 'node:crypto';

/** W3C trace context (https://www.w3.org/TR/trace-context/), the part logs need now. */
export interface TraceContext {
  traceId: string;
  parentSpanId: string | undefined;
  sampled: boolean;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function parseTraceparent(header: string | undefined): TraceContext | undefined {
  if (header === undefined) return undefined;
  const match = TRACEPARENT.exec(header.trim().toLowerCase());
  if (!match) return undefined;
  const [, traceId, spanId, flags] = match as unknown as [string, string, string, string];
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, parentSpanId: spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}

export function newTraceContext(): TraceContext {
  return { traceId: randomBytes(16).toString('hex'), parentSpanId: undefined, sampled: true };
}
