import { setTimeout as sleep } from 'node:timers/promises';
import type { SubscribeOptions } from '../bus.ts';
import { applyWithRetries, errorMessage, observeClock, type Outcome } from '../delivery.ts';
import { Doorbell } from '../doorbell.ts';
import { isEnvelope } from '../envelope.ts';
import { claimable, letterKey, parseEntry, type StoredLetter } from './deadLetters.ts';
import type { StreamAccess } from './streams.ts';

type RedriveOptions = SubscribeOptions & { leaseMs: number };

/**
 * A member's share of redriving its group's dead letters: it watches the
 * group's entries in the dead-letter bucket, claims one asked for a redrive
 * (compare-and-set: one member wins), applies it through the inbox with the
 * usual retries, and records the outcome. A claim abandoned by a dead member
 * is taken over after leaseMs. Resolves when `signal` aborts.
 */
export async function runRedriver(
  bus: StreamAccess,
  options: RedriveOptions,
  owner: string,
  signal: AbortSignal,
): Promise<void> {
  const redriver = new Redriver({ bus, options, owner, signal });
  await Promise.all([redriver.watch(), redriver.work()]);
}

/** One member's redriver: the letters it knows of (from the watch) and the loop that redrives them. */
class Redriver {
  readonly #bus: StreamAccess;
  readonly #options: RedriveOptions;
  readonly #owner: string;
  readonly #signal: AbortSignal;
  readonly #poll: number;
  readonly #known = new Map<string, StoredLetter>();
  /** Rung by the watch when a letter changes, so the loop looks again before its poll. */
  readonly #bell = new Doorbell();

  constructor(parts: { bus: StreamAccess; options: RedriveOptions; owner: string; signal: AbortSignal }) {
    this.#bus = parts.bus;
    this.#options = parts.options;
    this.#owner = parts.owner;
    this.#signal = parts.signal;
    this.#poll = Math.max(parts.options.pollIntervalMs ?? 1000, 100);
  }

  /** Follows the group's entries in the dead-letter bucket until the signal aborts, re-watching after failures. */
  async watch(): Promise<void> {
    const signal = this.#signal;
    for (let failures = 0; !signal.aborted;) {
      try {
        await this.#watchOnce(() => (failures = 0));
      } catch (error) {
        failures += 1;
        if (failures === 1 || failures % 20 === 0)
          this.#options.logger.warn({ err: errorMessage(error) }, 'dead-letter watch failed; retrying');
        await sleep(Math.min(5000, 100 * 2 ** Math.min(failures, 6)), undefined, { signal }).catch(() => undefined);
      }
    }
  }

  async #watchOnce(onWatching: () => void): Promise<void> {
    const kv = await this.#bus.deadLetters.bucket();
    const watcher = await kv.watch({ key: letterKey(this.#options.group, '*') });
    const stop = (): void => watcher.stop();
    this.#signal.addEventListener('abort', stop, { once: true });
    try {
      onWatching();
      for await (const entry of watcher) {
        const letter = parseEntry(entry);
        if (letter) this.#known.set(entry.key, letter);
        else this.#known.delete(entry.key);
        this.#bell.ring();
      }
    } finally {
      this.#signal.removeEventListener('abort', stop);
    }
  }

  /** Redrives due letters one at a time until the signal aborts; idles until the watch reports a change or a poll passes. */
  async work(): Promise<void> {
    const signal = this.#signal;
    while (!signal.aborted) {
      const due = [...this.#known].find(([, l]) => this.#options.topics.includes(l.topic) && claimable(l, Date.now()));
      if (!due) {
        await this.#bell.wait(this.#poll, signal);
        continue;
      }
      try {
        await this.#redrive(...due);
      } catch (error) {
        this.#options.logger.warn({ deadLetter: due[0], err: errorMessage(error) }, 'redrive failed; retrying');
        await sleep(this.#poll, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  async #redrive(key: string, letter: StoredLetter): Promise<void> {
    const options = this.#options;
    // Until the watch reports the claim (ours or another's), do not pick this one again.
    this.#known.set(key, {
      ...letter,
      status: 'redriving',
      claimedUntil: new Date(Date.now() + options.leaseMs).toISOString(),
    });
    const letters = this.#bus.deadLetters;
    const claimed = await letters.claim(key, this.#owner, options.leaseMs);
    if (!claimed) return;
    let result: Outcome = { outcome: 'dead', error: 'invalid envelope', attempts: 0 };
    if (isEnvelope(claimed.envelope)) {
      observeClock(options, claimed.envelope);
      const where = { topic: claimed.topic, partition: claimed.partition, offset: claimed.offset };
      result = await applyWithRetries(options, claimed.envelope, where, { signal: this.#signal });
    }
    switch (result.outcome) {
      case 'done':
        return letters.settle(key, this.#owner, { status: 'redriven' });
      case 'dead':
        return letters.settle(key, this.#owner, { status: 'dead', error: result.error, attempts: result.attempts });
      case 'stopped':
        return letters.settle(key, this.#owner, { status: 'redrive' });
    }
  }
}
