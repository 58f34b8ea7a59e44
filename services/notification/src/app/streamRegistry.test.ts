import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamRegistry, type Clock, type EndReason, type StreamOwner } from './streamRegistry.ts';

/** A clock whose time moves only when the test says so. */
function fakeClock(start = 1_000_000): Clock & { advance(ms: number): void; pending(): number } {
  let now = start;
  let timers: Array<{ at: number; fn: () => void }> = [];
  return {
    now: () => now,
    after: (ms, fn) => {
      const timer = { at: now + ms, fn };
      timers.push(timer);
      return () => {
        timers = timers.filter((t) => t !== timer);
      };
    },
    advance(ms) {
      now += ms;
      for (;;) {
        const due = timers.filter((t) => t.at <= now).sort((a, b) => a.at - b.at)[0];
        if (!due) return;
        timers = timers.filter((t) => t !== due);
        due.fn();
      }
    },
    pending: () => timers.length,
  };
}

const HOUR = 3_600_000;

function owner(userId: string, options: { sessionId?: string; expiresAt?: number } = {}): StreamOwner {
  return { userId, sessionId: options.sessionId, expiresAt: options.expiresAt ?? 1_000_000 + HOUR };
}

/** Opens a stream that records how it was ended. */
function openStream(
  registry: StreamRegistry,
  who: StreamOwner,
): { ended: EndReason[]; admission: ReturnType<StreamRegistry['open']> } {
  const ended: EndReason[] = [];
  return { ended, admission: registry.open(who, (reason) => ended.push(reason)) };
}

test('a user gets at most perUser streams; another user still gets one; closing one frees its slot', () => {
  const registry = new StreamRegistry({ perUser: 2, perInstance: 10 }, fakeClock());
  const first = openStream(registry, owner('alice'));
  assert.equal(openStream(registry, owner('alice')).admission.ok, true);
  assert.deepEqual(openStream(registry, owner('alice')).admission, { ok: false, refusal: 'user-limit' });
  assert.equal(openStream(registry, owner('bob')).admission.ok, true);
  assert.equal(registry.countOf('alice'), 2);
  assert.equal(registry.size, 3);

  assert.ok(first.admission.ok);
  first.admission.release();
  first.admission.release(); // a second release frees nothing more
  assert.equal(registry.countOf('alice'), 1);
  assert.equal(registry.size, 2);
  assert.equal(openStream(registry, owner('alice')).admission.ok, true);
  assert.deepEqual(first.ended, [], 'release is the caller closing; end is not called');
});

test('the instance holds at most perInstance streams, whoever opens them', () => {
  const registry = new StreamRegistry({ perUser: 5, perInstance: 3 }, fakeClock());
  for (const user of ['a', 'b', 'c']) assert.equal(openStream(registry, owner(user)).admission.ok, true);
  assert.deepEqual(openStream(registry, owner('d')).admission, { ok: false, refusal: 'instance-limit' });
  assert.equal(registry.size, 3);
});

test('the per-user cap is checked before the instance cap (the user at their cap learns it is theirs)', () => {
  const registry = new StreamRegistry({ perUser: 1, perInstance: 1 }, fakeClock());
  assert.equal(openStream(registry, owner('a')).admission.ok, true);
  assert.deepEqual(openStream(registry, owner('a')).admission, { ok: false, refusal: 'user-limit' });
  assert.deepEqual(openStream(registry, owner('b')).admission, { ok: false, refusal: 'instance-limit' });
});

test('a token already expired is refused, not admitted and ended at once', () => {
  const clock = fakeClock();
  const registry = new StreamRegistry({ perUser: 5, perInstance: 5 }, clock);
  const stream = openStream(registry, owner('a', { expiresAt: clock.now() }));
  assert.deepEqual(stream.admission, { ok: false, refusal: 'token-expired' });
  assert.deepEqual(stream.ended, []);
  assert.equal(registry.size, 0);
});

test('a stream ends with token-expired exactly when its token expires, and frees its slot', () => {
  const clock = fakeClock();
  const registry = new StreamRegistry({ perUser: 1, perInstance: 5 }, clock);
  const stream = openStream(registry, owner('a', { expiresAt: clock.now() + 60_000 }));
  clock.advance(59_999);
  assert.deepEqual(stream.ended, []);
  clock.advance(1);
  assert.deepEqual(stream.ended, ['token-expired']);
  assert.equal(registry.countOf('a'), 0);
  assert.equal(openStream(registry, owner('a', { expiresAt: clock.now() + 60_000 })).admission.ok, true);
  clock.advance(HOUR);
  assert.deepEqual(stream.ended, ['token-expired'], 'ended once');
});

test('a released stream leaves no timer behind and is never ended', () => {
  const clock = fakeClock();
  const registry = new StreamRegistry({ perUser: 5, perInstance: 5 }, clock);
  const stream = openStream(registry, owner('a', { expiresAt: clock.now() + 1000 }));
  assert.ok(stream.admission.ok);
  assert.equal(clock.pending(), 1);
  stream.admission.release();
  assert.equal(clock.pending(), 0);
  clock.advance(2000);
  assert.deepEqual(stream.ended, []);
});

test('an expiry beyond what one timer can wait is reached in steps, not early', () => {
  const clock = fakeClock();
  const registry = new StreamRegistry({ perUser: 5, perInstance: 5 }, clock);
  const farOff = 40 * 24 * HOUR; // past setTimeout's 2^31-1 ms (about 24.8 days)
  const stream = openStream(registry, owner('a', { expiresAt: clock.now() + farOff }));
  clock.advance(2 ** 31);
  assert.deepEqual(stream.ended, []);
  clock.advance(farOff - 2 ** 31);
  assert.deepEqual(stream.ended, ['token-expired']);
});

test("a revoked session ends that session's streams of that user only", () => {
  const registry = new StreamRegistry({ perUser: 5, perInstance: 10 }, fakeClock());
  const revoked = [
    openStream(registry, owner('alice', { sessionId: 's1' })),
    openStream(registry, owner('alice', { sessionId: 's1' })),
  ];
  const otherSession = openStream(registry, owner('alice', { sessionId: 's2' }));
  const noSession = openStream(registry, owner('alice'));
  const otherUser = openStream(registry, owner('bob', { sessionId: 's1' }));
  assert.equal(registry.endSession('alice', 's1'), 2);
  assert.deepEqual(
    revoked.map((s) => s.ended),
    [['session-revoked'], ['session-revoked']],
  );
  for (const untouched of [otherSession, noSession, otherUser]) assert.deepEqual(untouched.ended, []);
  assert.equal(registry.countOf('alice'), 2);
  assert.equal(registry.endSession('alice', 's1'), 0, 'nothing left to end');
  assert.equal(registry.endSession('carol', 's1'), 0);
});

test('endAll ends every stream once and empties the registry', () => {
  const registry = new StreamRegistry({ perUser: 5, perInstance: 10 }, fakeClock());
  const streams = [
    openStream(registry, owner('a')),
    openStream(registry, owner('a')),
    openStream(registry, owner('b')),
  ];
  registry.endAll('shutting-down');
  registry.endAll('shutting-down');
  assert.deepEqual(
    streams.map((s) => s.ended),
    [['shutting-down'], ['shutting-down'], ['shutting-down']],
  );
  assert.equal(registry.size, 0);
});

test('releasing from inside end (the socket closing as it is ended) is harmless', () => {
  const registry = new StreamRegistry({ perUser: 5, perInstance: 10 }, fakeClock());
  let release: () => void = () => undefined;
  const ended: EndReason[] = [];
  const admission = registry.open(owner('a', { sessionId: 's' }), (reason) => {
    ended.push(reason);
    release();
  });
  assert.ok(admission.ok);
  release = admission.release;
  registry.endSession('a', 's');
  assert.deepEqual(ended, ['session-revoked']);
  assert.equal(registry.size, 0);
});
