export { createCollector } from './createCollector.ts';
export { parseExport, type StoredSpan } from './otlp.ts';
export { TraceStore, summarise, type TraceSummary } from './traceStore.ts';
export { renderWaterfall, orderSpans } from './waterfall.ts';
