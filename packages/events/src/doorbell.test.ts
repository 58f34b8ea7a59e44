import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Doorbell } from './doorbell.ts';

test('a ring ends the wait, and a ring with nobody waiting is lost', async () => {
  const bell = new Doorbell();
  bell.ring();
  const waiting = bell.wait(60_000, new AbortController().signal);
  bell.ring();
  assert.equal(await waiting, 'rung');
});

test('the wait ends by itself after its time', async () => {
  assert.equal(await new Doorbell().wait(1, new AbortController().signal), 'timeout');
});

test('an abort ends the wait, and a wait on an aborted signal ends at once', async () => {
  const bell = new Doorbell();
  const stopping = new AbortController();
  const waiting = bell.wait(60_000, stopping.signal);
  stopping.abort();
  assert.equal(await waiting, 'aborted');
  assert.equal(await bell.wait(60_000, stopping.signal), 'aborted');
});
