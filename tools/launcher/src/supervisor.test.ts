import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Supervisor, type SupervisorOptions } from './supervisor.ts';
import type { InstanceSpec } from './topology.ts';

/** Real child processes from two tiny scripts: one that runs until stopped, one that exits at once. */
async function scripts(t: { after(fn: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'supervisor-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'runs.mjs'), 'setInterval(() => undefined, 1 << 30);\n');
  await writeFile(join(dir, 'crashes.mjs'), 'process.exit(3);\n');
  const spec = (id: string, script: string): InstanceSpec => ({
    service: 'order',
    region: 'test',
    id,
    port: 1,
    entry: join(dir, script),
  });
  return { dir, spec };
}

function supervisor(
  dir: string,
  lines: string[],
  probe: SupervisorOptions['probe'],
  extra: Partial<SupervisorOptions>,
) {
  return new Supervisor({
    logDir: dir,
    logToStdout: false,
    env: () => ({}),
    log: (line) => lines.push(line),
    probe,
    restartNice: 0,
    random: () => 0.5, // no jitter: the delays are the nominal ones
    loadPerCore: () => 0,
    ...extra,
  });
}

async function until<T>(what: string, check: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test('a crash wave is restarted two at a time: the rest wait for a slot, and none is killed for being slow', async (t) => {
  const { dir, spec } = await scripts(t);
  const ids = ['a', 'b', 'c', 'd', 'e'];
  let restartsReady = false;
  const lines: string[] = [];
  const sup = supervisor(
    dir,
    lines,
    (instance) => {
      const status = sup.status().find((s) => s.id === instance.id);
      return Promise.resolve(status?.restarts === 0 || restartsReady);
    },
    { backoff: { baseMs: 10, maxMs: 1000, stableMs: 60_000 } },
  );
  t.after(() => sup.stop(5000));
  sup.start(ids.map((id) => spec(id, 'runs.mjs')));
  await sup.waitUntilReady(10_000);
  for (const s of sup.status()) process.kill(s.pid!, 'SIGKILL');

  await until('three restarts waiting for a slot', () =>
    lines.filter((l) => l.includes('waits for a restart slot')).length === 3 ? true : undefined,
  );
  const restarted = sup.status().filter((s) => s.restarts === 1);
  assert.equal(restarted.length, 2, 'two restarted while neither is ready');
  assert.ok(restarted.every((s) => s.pid !== undefined));
  assert.equal(sup.status().filter((s) => s.pid === undefined).length, 3, 'the other three not started yet');

  restartsReady = true;
  await until('all five restarted', () => (sup.status().every((s) => s.restarts === 1 && s.pid) ? true : undefined));
  await sup.waitUntilReady(10_000);
  assert.equal(lines.filter((l) => l.includes('restarted as pid')).length, 5);
});

test('an instance that keeps crashing before it is ready is restarted after doubling delays, up to the cap', async (t) => {
  const { dir, spec } = await scripts(t);
  const lines: string[] = [];
  const sup = supervisor(dir, lines, () => Promise.resolve(false), {
    backoff: { baseMs: 20, maxMs: 80, stableMs: 10 },
  });
  t.after(() => sup.stop(5000));
  sup.start([spec('crashy', 'crashes.mjs')]);
  const delays = await until('five restarts scheduled', () => {
    const found = lines.flatMap((l) => /exit code 3; restart #\d+ in (\d+) ms/.exec(l)?.[1] ?? []).map(Number);
    return found.length >= 5 ? found.slice(0, 5) : undefined;
  });
  // stableMs is 10 ms and each run lives longer: time alive alone must not start the count over.
  assert.deepEqual(delays, [20, 40, 80, 80, 80]);
});
