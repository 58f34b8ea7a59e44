// A bad environment variable stops a service at once, naming the variable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './support/launcher.ts';

function runService(service: string, env: Record<string, string>): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [join(repoRoot, 'services', service, 'src', 'main.ts')], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 15_000,
  });
  return { status: result.status, stderr: result.stderr };
}

const valid = { PORT: '0', INSTANCE_ID: 'user-9', DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db' };

test('a malformed PORT fails fast and names the variable and what it expected', () => {
  const { status, stderr } = runService('user', { ...valid, PORT: 'eighty' });
  assert.equal(status, 78);
  assert.match(stderr, /PORT is malformed: expected an integer from 0 to 65535, got "eighty"/);
});

test('a missing DATABASE_URL is named', () => {
  const { DATABASE_URL: _omit, ...rest } = valid;
  const { status, stderr } = runService('order', rest);
  assert.equal(status, 78);
  assert.match(stderr, /DATABASE_URL is required: expected a URL \(postgres: or postgresql:\)/);
});

test('every problem is reported at once, not one per attempt', () => {
  const { status, stderr } = runService('product', { ...valid, DB_POOL_MAX: '0', LOG_LEVEL: 'loud' });
  assert.equal(status, 78);
  assert.match(stderr, /DB_POOL_MAX is malformed/);
  assert.match(stderr, /LOG_LEVEL is malformed: expected one of fatal, error/);
});

test('the launcher refuses an unknown topology by name', () => {
  const result = spawnSync(process.execPath, [join(repoRoot, 'tools/launcher/src/main.ts')], {
    env: { PATH: process.env.PATH ?? '', TOPOLOGY: 'no-such-topology' },
    encoding: 'utf8',
    timeout: 15_000,
  });
  assert.equal(result.status, 78);
  assert.match(result.stderr, /TOPOLOGY: no topology file at .*no-such-topology\.json/);
});
