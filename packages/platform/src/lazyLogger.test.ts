import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { LazyLogger } from './lazyLogger.ts';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, stream) };
}

test('bindings added before the first log all appear on the line', async () => {
  const { lines, logger } = capture();
  const child = new LazyLogger(logger, { reqId: 'r1' }).child({ traceId: 't1' });
  child.info({ route: '/x' }, 'request');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(lines.length, 1);
  assert.deepEqual([lines[0]!.reqId, lines[0]!.traceId, lines[0]!.route, lines[0]!.msg], ['r1', 't1', '/x', 'request']);
});

test('no pino child is made for a request that logs nothing, or only below the level', () => {
  const { logger } = capture();
  let children = 0;
  const original = logger.child.bind(logger);
  logger.child = ((...args: Parameters<typeof logger.child>) => {
    children += 1;
    return original(...args);
  }) as typeof logger.child;
  const lazy = new LazyLogger(logger, { reqId: 'r2' }).child({ traceId: 't2' });
  lazy.debug('below the level');
  assert.equal(children, 0);
  lazy.warn('now');
  lazy.error('again');
  assert.equal(children, 1, 'made once, then reused');
});
