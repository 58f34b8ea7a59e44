import type { StoredSpan } from './otlp.ts';

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Orders spans depth-first under their parents, so the page reads top to bottom like the call. */
export function orderSpans(spans: StoredSpan[]): Array<{ span: StoredSpan; depth: number }> {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string | undefined, StoredSpan[]>();
  for (const span of spans) {
    const parent = span.parentSpanId && ids.has(span.parentSpanId) ? span.parentSpanId : undefined;
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const out: Array<{ span: StoredSpan; depth: number }> = [];
  const walk = (parent: string | undefined, depth: number): void => {
    for (const span of (children.get(parent) ?? []).sort((a, b) => a.startMs - b.startMs)) {
      out.push({ span, depth });
      walk(span.spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return out;
}

/** A self-contained HTML waterfall: one row per span, a bar positioned on the trace's timeline. */
export function renderWaterfall(traceId: string, spans: StoredSpan[]): string {
  const start = Math.min(...spans.map((s) => s.startMs));
  const total = Math.max(1e-3, Math.max(...spans.map((s) => s.endMs)) - start);
  const rows = orderSpans(spans)
    .map(({ span, depth }) => {
      const left = ((span.startMs - start) / total) * 100;
      const width = Math.max(0.3, ((span.endMs - span.startMs) / total) * 100);
      const title = escape(
        Object.entries(span.attributes)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join('\n'),
      );
      return `<tr><td class="name" style="padding-left:${depth * 14 + 6}px" title="${title}"><b>${escape(span.service)}</b> ${escape(span.name)}</td>
<td class="bar"><div class="${span.error ? 'err' : span.kind}" style="left:${left.toFixed(3)}%;width:${width.toFixed(3)}%"></div></td>
<td class="ms">${(span.endMs - span.startMs).toFixed(2)} ms</td></tr>`;
    })
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>trace ${escape(traceId)}</title><style>
body{font:13px system-ui,sans-serif;margin:16px}table{border-collapse:collapse;width:100%}td{padding:2px 6px;border-bottom:1px solid #eee;white-space:nowrap}
td.name{width:35%;overflow:hidden;text-overflow:ellipsis;max-width:420px}td.bar{position:relative;width:55%}td.ms{text-align:right;width:10%}
td.bar div{position:absolute;top:4px;height:12px;border-radius:2px}.server{background:#4a7bd0}.client{background:#3fb27f}.internal,.unspecified{background:#999}.producer,.consumer{background:#c58b2a}.err{background:#d04a4a}
</style></head><body><h1>Trace ${escape(traceId)}</h1><p>${spans.length} spans, ${total.toFixed(2)} ms, services: ${escape([...new Set(spans.map((s) => s.service))].join(', '))}</p>
<table>${rows}</table></body></html>`;
}
