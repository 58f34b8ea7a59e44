import type { Log } from '../domain/ports.ts';

export interface EmailDispatcher {
  /** Look for pending emails now (a notification just committed). */
  kick(): void;
  stop(): Promise<void>;
}

/**
 * Runs `pass` (one dispatch pass; it answers how many emails it claimed) on
 * every kick and at least every `pollIntervalMs`; straight again while passes
 * find work; after failures it waits longer (doubling, at most 10 s).
 */
export function startEmailDispatcher(options: {
  pass: () => Promise<number>;
  log: Log;
  pollIntervalMs: number;
}): EmailDispatcher {
  const stopping = new AbortController();
  let kicked = new AbortController();
  const run = async (): Promise<void> => {
    let failures = 0;
    while (!stopping.signal.aborted) {
      let claimed = 0;
      try {
        claimed = await options.pass();
        failures = 0;
      } catch (error) {
        failures += 1;
        if (failures === 1 || failures % 20 === 0)
          options.log.warn(
            { err: error instanceof Error ? error.message : String(error) },
            'email dispatch failed; retrying',
          );
      }
      if (claimed > 0 && !kicked.signal.aborted) continue;
      if (!kicked.signal.aborted)
        await idle(AbortSignal.any([stopping.signal, kicked.signal]), waitMs(options.pollIntervalMs, failures));
      kicked = new AbortController();
    }
  };
  const running = run();
  return {
    kick: () => kicked.abort(),
    stop: async () => {
      stopping.abort();
      await running;
    },
  };
}

function waitMs(pollIntervalMs: number, failures: number): number {
  return failures > 0 ? Math.min(10_000, pollIntervalMs * 2 ** failures) : pollIntervalMs;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function idle(signal: AbortSignal, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
