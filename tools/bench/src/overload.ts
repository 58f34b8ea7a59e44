// The overload target's verdict for the report: `npm run load -- --overload`
// run against the bench platform (--overload), or else the latest such run
// recorded under bench/load.
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { verdictOf } from '@shop/load';
import { repoRoot } from './platform.ts';
import type { BenchResult } from './benchResult.ts';
import { resultsDir } from './results.ts';

/**
 * `npm run load -- --overload` against `targetUrl`, as its own process; its verdict line is kept, its report
 * written beside the run's. `quietP99Ms`: the platform's quiet p99 (the CPU-taken-away search's), which the
 * 3x step's admitted p99 is held to; without it, the load tool uses its 0.5x step's.
 */
export async function runOverload(
  targetUrl: string,
  stamp: string,
  quietP99Ms?: number,
): Promise<BenchResult['overload']> {
  const file = join(resultsDir, `${stamp}-overload.html`);
  const quiet = quietP99Ms === undefined ? [] : ['--quiet-p99', String(quietP99Ms)];
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, 'tools/load/src/load.ts'),
      '--overload',
      '--target',
      targetUrl,
      '--users',
      '20',
      ...quiet,
      '--out',
      file,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const verdict = /overload: (.*)/.exec(output)?.[1];
  return {
    command: `npm run load -- --overload${quiet.length > 0 ? ` --quiet-p99 ${quietP99Ms} (the CPU-taken-away quiet p99)` : ''}`,
    report: `bench/results/${stamp}-overload.html`,
    verdict: verdict ?? `did not finish (exit ${code}): ${output.split('\n').slice(-3).join(' ')}`,
  };
}

/** The most recent `npm run load -- --overload` report under bench/load, if any: its verdict and date. */
export async function latestOverload(): Promise<BenchResult['overload']> {
  const dir = join(repoRoot, 'bench', 'load');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('-overload.html')).sort();
  const last = files.at(-1);
  if (!last) return undefined;
  const verdict = verdictOf(await readFile(join(dir, last), 'utf8'));
  return verdict
    ? { command: 'npm run load -- --overload (an earlier run, not this one)', report: `bench/load/${last}`, verdict }
    : undefined;
}
