import type { HashUse } from '../domain/ports.ts';

export type { HashUse };

export class HashSlotsFullError extends Error {
  override name = 'HashSlotsFullError';
  readonly use: HashUse;
  constructor(use: HashUse) {
    super(`No hashing slot or queue place left for ${use}s`);
    this.use = use;
  }
}

export interface HashSlotsOptions {
  /** Hashes running at once, in all. */
  concurrency: number;
  /** Of those, slots a sign-up never takes: a sign-up flood leaves logins this share. Below concurrency. */
  reservedForLogins: number;
  /** Waiting places per use; past it a request is refused at once (HashSlotsFullError). */
  queue: number;
}

export interface HashSlots {
  run<T>(use: HashUse, work: () => Promise<T>): Promise<T>;
}

/**
 * One pool of hashing slots with a share reserved for logins: a login may take
 * any free slot, a sign-up only while fewer than concurrency - reservedForLogins
 * sign-ups run. Each use queues apart (a full sign-up queue never refuses a
 * login), and a freed slot goes to a waiting login first.
 */
export function createHashSlots(options: HashSlotsOptions): HashSlots {
  if (options.reservedForLogins >= options.concurrency)
    throw new Error('reservedForLogins must be below concurrency: sign-ups need a slot too');
  const signUpLimit = options.concurrency - options.reservedForLogins;
  const running = { login: 0, signup: 0 };
  const waiting: Record<HashUse, Array<() => void>> = { login: [], signup: [] };
  const mayStart = (use: HashUse): boolean =>
    running.login + running.signup < options.concurrency && (use === 'login' || running.signup < signUpLimit);
  const dispatch = (): void => {
    for (const use of ['login', 'signup'] as const) {
      while (waiting[use].length > 0 && mayStart(use)) {
        running[use] += 1;
        waiting[use].shift()?.();
      }
    }
  };
  const acquire = async (use: HashUse): Promise<void> => {
    if (waiting[use].length === 0 && mayStart(use)) {
      running[use] += 1;
      return;
    }
    if (waiting[use].length >= options.queue) throw new HashSlotsFullError(use);
    // The slot is counted for us by dispatch() before it wakes us.
    await new Promise<void>((resolve) => waiting[use].push(resolve));
  };
  return {
    async run(use, work) {
      await acquire(use);
      try {
        return await work();
      } finally {
        running[use] -= 1;
        dispatch();
      }
    },
  };
}
