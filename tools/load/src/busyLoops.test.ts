// Busy loops spin, and never outlive what bounds them: stop(), their own time
// limit, and a caller that dies without stopping them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startBusyLoops } from './busyLoops.ts';

/** Whether `pid` is still a process (signal 0 only asks). */
const alive = (pid: number): boolean => {
  try {
    return process.kill(pid, 0);
  } catch {
    return false;
  }
};

/** Waits up to `ms` for every pid to be gone; true if they went. */
async function goneWithin(pids: readonly number[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (pids.some(alive)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/** CPU time (user + system, in clock ticks) the process has used, from /proc. */
async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

test('each loop spins a core until stop(), which kills every one of them', async () => {
  const loops = startBusyLoops(2, { maxMs: 30_000 });
  try {
    assert.equal(loops.pids.length, 2);
    await sleep(300);
    const before = await Promise.all(loops.pids.map(cpuTicks));
    await sleep(500);
    const after = await Promise.all(loops.pids.map(cpuTicks));
    // 500 ms of spinning is ~50 ticks on a free core; a few on a crowded one still show it runs, not waits.
    after.forEach((ticks, i) => assert.ok(ticks - before[i]! >= 5, `loop ${i} used ${ticks - before[i]!} ticks`));
    const used = loops.cpuSeconds()!;
    assert.ok(used >= 0.1 && used <= 2 * 2, `the loops report the CPU they used: ${used} s`);
  } finally {
    await loops.stop();
  }
  assert.ok(loops.cpuSeconds()! > 0, 'their last reading is kept once they are gone');
  assert.ok(
    loops.pids.every((pid) => !alive(pid)),
    'every loop is gone once stop() resolves',
  );
  await loops.stop(); // a second stop is harmless
});

test('a loop exits on its own when its time is up, without stop()', async () => {
  const loops = startBusyLoops(1, { maxMs: 300 });
  assert.ok(await goneWithin(loops.pids, 5000), 'the loop ended by itself');
  await loops.stop();
});

test('a caller SIGKILLed without stopping its loops does not leave them spinning', async () => {
  const busyLoops = fileURLToPath(new URL('./busyLoops.ts', import.meta.url));
  const caller = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { startBusyLoops } from ${JSON.stringify(busyLoops)};
       const loops = startBusyLoops(2, { maxMs: 60_000 });
       console.log(JSON.stringify(loops.pids));
       setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const firstLine = await new Promise<string>((resolve) =>
    caller.stdout.once('data', (c: Buffer) => resolve(c.toString())),
  );
  const pids = JSON.parse(firstLine) as number[];
  assert.equal(pids.length, 2);
  assert.ok(pids.every(alive), 'the loops run while their caller does');
  caller.kill('SIGKILL');
  assert.ok(await goneWithin(pids, 5000), 'the loops noticed their caller was gone and exited');
});

test('a count or a time that makes no sense is refused', () => {
  assert.throws(() => startBusyLoops(-1, { maxMs: 1000 }), RangeError);
  assert.throws(() => startBusyLoops(1.5, { maxMs: 1000 }), RangeError);
  assert.throws(() => startBusyLoops(1, { maxMs: 0 }), RangeError);
});
