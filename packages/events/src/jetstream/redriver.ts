import { setTimeout as sleep } from 'node:timers/promises';
import type { SubscribeOptions } from '../bus.ts';
import { applyWithRetries, errorMessage, observeClock, type Outcome } from '../delivery.ts';
import { isEnvelope } from '../envelope.ts';
import { claimable, letterKey, parseEntry, type StoredLetter } from './deadLetters.ts';
import type { JetStreamBus } from './jetStreamBus.ts';

type RedriveOptions = SubscribeOptions & { leaseMs: number };

/**
 * A member's share of redriving its group's dead letters: it watches the
 * group's entries in the dead-letter bucket, claims one asked for a redrive
 * (compare-and-set: one member wins), applies it through the inbox with the
 * usual retries, and records the outcome. A claim abandoned by a dead member
 * is taken over after leaseMs. Resolves when `signal` aborts.
 */
export async function runRedriver(
  bus: JetStreamBus,
  options: RedriveOptions,
  owner: string,
  signal: AbortSignal,
): Promise<void> {
  const known = new Map<string, StoredLetter>();
  let wake: () => void = () => undefined;
  const poll = Math.max(options.pollIntervalMs ?? 1000, 100);

  const watch = async (): Promise<void> => {
    for (let failures = 0; !signal.aborted;) {
      try {
        const kv = await bus.deadLetters.bucket();
        const watcher = await kv.watch({ key: letterKey(options.group, '*') });
        const stop = (): void => watcher.stop();
        signal.addEventListener('abort', stop, { once: true });
        try {
          failures = 0;
          for await (const entry of watcher) {
            const letter = parseEntry(entry);
            if (letter) known.set(entry.key, letter);
            else known.delete(entry.key);
            wake();
          }
        } finally {
          signal.removeEventListener('abort', stop);
        }
      } catch (error) {
        failures += 1;
        if (failures === 1 || failures % 20 === 0)
          options.logger.warn({ err: errorMessage(error) }, 'dead-letter watch failed; retrying');
        await sleep(Math.min(5000, 100 * 2 ** Math.min(failures, 6)), undefined, { signal }).catch(() => undefined);
      }
    }
  };

  const idle = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        wake = () => undefined;
        resolve();
      };
      const timer = setTimeout(done, poll);
      wake = done;
      signal.addEventListener('abort', done, { once: true });
    });

  const redrive = async (key: string, letter: StoredLetter): Promise<void> => {
    // Until the watch reports the claim (ours or another's), do not pick this one again.
    known.set(key, {
      ...letter,
      status: 'redriving',
      claimedUntil: new Date(Date.now() + options.leaseMs).toISOString(),
    });
    const claimed = await bus.deadLetters.claim(key, owner, options.leaseMs);
    if (!claimed) return;
    let result: Outcome = { outcome: 'dead', error: 'invalid envelope', attempts: 0 };
    if (isEnvelope(claimed.envelope)) {
      observeClock(options, claimed.envelope);
      result = await applyWithRetries(
        options,
        claimed.envelope,
        { topic: claimed.topic, partition: claimed.partition, offset: claimed.offset },
        signal,
      );
    }
    switch (result.outcome) {
      case 'done':
        return bus.deadLetters.settle(key, owner, { status: 'redriven' });
      case 'dead':
        return bus.deadLetters.settle(key, owner, { status: 'dead', error: result.error, attempts: result.attempts });
      case 'stopped':
        return bus.deadLetters.settle(key, owner, { status: 'redrive' });
    }
  };

  const work = async (): Promise<void> => {
    while (!signal.aborted) {
      const due = [...known].find(([, l]) => options.topics.includes(l.topic) && claimable(l, Date.now()));
      if (!due) {
        await idle();
        continue;
      }
      try {
        await redrive(...due);
      } catch (error) {
        options.logger.warn({ deadLetter: due[0], err: errorMessage(error) }, 'redrive failed; retrying');
        await sleep(poll, undefined, { signal }).catch(() => undefined);
      }
    }
  };

  await Promise.all([watch(), work()]);
}
