import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trace } from '@opentelemetry/api';
import { startTelemetry } from './index.ts';

// Its own file: the tracer provider is global to the process.
test('with a sample ratio of 0, new traces are not recorded but still carry a trace id', async () => {
  const telemetry = startTelemetry({
    service: 'test',
    instance: 't-1',
    region: 'us-east',
    endpoint: 'http://127.0.0.1:9',
    sampleRatio: 0,
  });
  const span = trace.getTracer('test').startSpan('root');
  assert.equal(span.isRecording(), false);
  assert.match(span.spanContext().traceId, /^[0-9a-f]{32}$/);
  assert.notEqual(span.spanContext().traceId, '0'.repeat(32));
  span.end();
  await telemetry.shutdown();
});
