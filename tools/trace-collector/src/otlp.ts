/**
 * Just enough of OTLP/JSON (ExportTraceServiceRequest) to keep spans: ids may
 * arrive as hex (the JSON mapping) or base64 (protobuf-style JSON), times as
 * strings or numbers of nanoseconds, attributes as typed values.
 */
export interface StoredSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: string;
  service: string;
  instance: string | undefined;
  startMs: number;
  endMs: number;
  attributes: Record<string, string | number | boolean>;
  error: boolean;
  events: Array<{ name: string; atMs: number }>;
}

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface KeyValue {
  key: string;
  value?: AnyValue;
}

function value(v: AnyValue | undefined): string | number | boolean {
  if (!v) return '';
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  return JSON.stringify(v);
}

function attributes(list: KeyValue[] | undefined): Record<string, string | number | boolean> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, value(kv.value)]));
}

function id(raw: unknown, hexLength: number): string | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined;
  if (new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(raw)) return raw.toLowerCase();
  const hex = Buffer.from(raw, 'base64').toString('hex');
  return hex.length === hexLength ? hex : undefined;
}

function ms(nanos: unknown): number {
  if (typeof nanos === 'number') return nanos / 1e6;
  if (typeof nanos === 'string' && /^\d+$/.test(nanos)) return Number(BigInt(nanos) / 1000n) / 1000;
  return 0;
}

export function parseExport(body: unknown): StoredSpan[] {
  const out: StoredSpan[] = [];
  const resourceSpans = (body as { resourceSpans?: unknown[] } | null)?.resourceSpans;
  if (!Array.isArray(resourceSpans)) throw new Error('resourceSpans must be an array');
  for (const rs of resourceSpans as Array<{
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: Array<{ spans?: unknown[] }>;
  }>) {
    const resource = attributes(rs.resource?.attributes);
    for (const scope of rs.scopeSpans ?? []) {
      for (const raw of scope.spans ?? []) {
        const span = raw as {
          traceId?: string;
          spanId?: string;
          parentSpanId?: string;
          name?: string;
          kind?: number;
          startTimeUnixNano?: unknown;
          endTimeUnixNano?: unknown;
          attributes?: KeyValue[];
          status?: { code?: number };
          events?: Array<{ name?: string; timeUnixNano?: unknown }>;
        };
        const traceId = id(span.traceId, 32);
        const spanId = id(span.spanId, 16);
        if (!traceId || !spanId) continue;
        out.push({
          traceId,
          spanId,
          parentSpanId: id(span.parentSpanId, 16),
          name: String(span.name ?? ''),
          kind: KINDS[span.kind ?? 0] ?? 'unspecified',
          service: String(resource['service.name'] ?? 'unknown'),
          instance: resource['service.instance.id'] === undefined ? undefined : String(resource['service.instance.id']),
          startMs: ms(span.startTimeUnixNano),
          endMs: ms(span.endTimeUnixNano),
          attributes: attributes(span.attributes),
          error: span.status?.code === 2,
          events: (span.events ?? []).map((e) => ({ name: String(e.name ?? ''), atMs: ms(e.timeUnixNano) })),
        });
      }
    }
  }
  return out;
}
