// Graceful shutdown on SIGTERM: readiness fails, in-flight requests finish,
// close hooks run, the process exits 0; past the deadline it exits non-zero.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { repoRoot } from './support/launcher.ts';
import { freePort } from './support/postgres.ts';

async function start(shutdownTimeoutMs: number) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'test/support/slowService.ts'), String(port), String(shutdownTimeoutMs)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  while (!out.includes('listening')) await once(child.stdout, 'data');
  return { child, url: `http://127.0.0.1:${port}`, output: () => out };
}

test('SIGTERM lets in-flight requests finish, then runs close hooks and exits 0', async () => {
  const { child, url, output } = await start(5000);
  const inFlight = fetch(`${url}/slow`);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const response = await inFlight;
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { finished: true });
  const [code] = await exited;
  assert.equal(code, 0);
  assert.match(output(), /closed pools/);
  await assert.rejects(fetch(`${url}/health`), 'no longer accepting connections');
});

test('a request outliving the shutdown deadline makes the process exit non-zero instead of hanging', async () => {
  const { child, url } = await start(200);
  const inFlight = fetch(`${url}/slow`).catch(() => 'dropped');
  await new Promise((resolve) => setTimeout(resolve, 100));
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = await exited;
  assert.equal(code, 1);
  assert.equal(await inFlight, 'dropped');
});
