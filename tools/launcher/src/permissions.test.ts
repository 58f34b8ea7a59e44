import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { restrictLogs, restrictPki } from './permissions.ts';

const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

async function scratch(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'launcher-perms-'));
}

test('keys left readable by others in an older data directory are tightened: pki 0700, keys 0600, certificates untouched', async () => {
  const dir = await scratch();
  try {
    const pki = join(dir, 'pki');
    await mkdir(pki, { mode: 0o755 });
    await chmod(pki, 0o755);
    for (const name of ['ca.key', 'launcher.key', 'user.key', 'ca.crt']) {
      await writeFile(join(pki, name), 'x');
      await chmod(join(pki, name), 0o644);
    }
    await restrictPki(pki);
    assert.equal(await modeOf(pki), 0o700);
    for (const name of ['ca.key', 'launcher.key', 'user.key']) assert.equal(await modeOf(join(pki, name)), 0o600, name);
    assert.equal(await modeOf(join(pki, 'ca.crt')), 0o644);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("instance logs are the owner's only", async () => {
  const dir = await scratch();
  try {
    await writeFile(join(dir, 'user-1.log'), 'line\n');
    await chmod(join(dir, 'user-1.log'), 0o644);
    await restrictLogs(dir);
    assert.equal(await modeOf(dir), 0o700);
    assert.equal(await modeOf(join(dir, 'user-1.log')), 0o600);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
