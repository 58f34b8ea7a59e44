// "Cold start" (issue 22): the platform started afresh, offered the CPU-taken-
// away rate from the first second after the launcher says ready. The shoppers
// are the earlier run's, on the same data (their accounts and tokens are in
// its database): signing them up after the start would warm the platform
// before the first measured second.
import { loadavg } from 'node:os';
import { dayMix, offer, shopClient, type Crowd } from './arrivals.ts';
import type { Platform } from './platform.ts';
import { failuresByLabel, perSecond, type SecondRow } from './seconds.ts';

export interface ColdStartOptions {
  /** Starts the platform; resolves when the launcher says every process is ready. */
  start: () => Promise<Platform>;
  crowd: Crowd;
  rate: number;
  seconds: number;
  log?: (line: string) => void;
}

export interface ColdStartResult {
  rate: number;
  durationSec: number;
  /** From the launcher's spawn to its "all ready". */
  startSec: number;
  loadAverageAtStart: number;
  seconds: SecondRow[];
  failures: Record<string, number>;
}

export async function runColdStart(options: ColdStartOptions): Promise<ColdStartResult> {
  const loadAverageAtStart = Math.round(loadavg()[0]! * 100) / 100;
  const spawnedAt = performance.now();
  const platform = await options.start();
  const startSec = Math.round((performance.now() - spawnedAt) / 100) / 10;
  options.log?.(`cold start: ready in ${startSec} s; ${options.rate}/s from now for ${options.seconds} s ...`);
  const client = shopClient(platform.lbUrl);
  try {
    const offered = await offer(dayMix(client, options.crowd, 23), options.rate, options.seconds);
    return {
      rate: options.rate,
      durationSec: options.seconds,
      startSec,
      loadAverageAtStart,
      seconds: perSecond(offered.arrivals, options.seconds),
      failures: failuresByLabel(offered.arrivals),
    };
  } finally {
    await client.close();
    await platform.stop();
  }
}
