import type { StoredSpan } from './otlp.ts';

export interface TraceSummary {
  traceId: string;
  root: string;
  services: string[];
  spans: number;
  durationMs: number;
  startedAt: string;
  error: boolean;
}

/** Recent traces in memory, oldest evicted first once over `maxTraces`. */
export class TraceStore {
  readonly #traces = new Map<string, StoredSpan[]>();
  readonly #maxTraces: number;

  constructor(maxTraces: number) {
    this.#maxTraces = maxTraces;
  }

  add(spans: StoredSpan[]): void {
    for (const span of spans) {
      let list = this.#traces.get(span.traceId);
      if (!list) {
        list = [];
        this.#traces.set(span.traceId, list);
        if (this.#traces.size > this.#maxTraces) this.#traces.delete(this.#traces.keys().next().value!);
      }
      if (list.length < 2000) list.push(span);
    }
  }

  get(traceId: string): StoredSpan[] | undefined {
    const spans = this.#traces.get(traceId);
    return spans ? [...spans].sort((a, b) => a.startMs - b.startMs) : undefined;
  }

  recent(limit: number): TraceSummary[] {
    return [...this.#traces.keys()]
      .reverse()
      .slice(0, limit)
      .map((traceId) => summarise(traceId, this.get(traceId) ?? []));
  }
}

export function summarise(traceId: string, spans: StoredSpan[]): TraceSummary {
  const ids = new Set(spans.map((s) => s.spanId));
  const root = spans.find((s) => !s.parentSpanId || !ids.has(s.parentSpanId)) ?? spans[0];
  const start = Math.min(...spans.map((s) => s.startMs));
  const end = Math.max(...spans.map((s) => s.endMs));
  return {
    traceId,
    root: root ? `${root.service}: ${root.name}` : '',
    services: [...new Set(spans.map((s) => s.service))],
    spans: spans.length,
    durationMs: Math.round((end - start) * 100) / 100,
    startedAt: new Date(start).toISOString(),
    error: spans.some((s) => s.error),
  };
}
