import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminPasswordProblem, loadOrCreateAdminCredentials, loadOrCreateSigningKek } from './accountSecrets.ts';

const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

async function scratch(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'launcher-secrets-'));
}

test('the signing KEK is made once, 32 bytes, 0600, and kept across starts', async () => {
  const dir = await scratch();
  try {
    const file = join(dir, 'pki', 'signing-kek');
    await loadOrCreateSigningKek(file);
    const first = await readFile(file, 'utf8');
    assert.equal(Buffer.from(first.trim(), 'base64').length, 32);
    assert.equal(await modeOf(file), 0o600);
    await loadOrCreateSigningKek(file);
    assert.equal(await readFile(file, 'utf8'), first);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the bootstrap admin password: made once per data directory (0600), kept, new for another email; ADMIN_PASSWORD is kept nowhere', async () => {
  const dir = await scratch();
  try {
    const file = join(dir, 'admin-credentials.json');
    const first = await loadOrCreateAdminCredentials(file, 'admin@shop.local', undefined);
    assert.ok(first.password.length >= 20);
    assert.equal(first.source, file);
    assert.equal(await modeOf(file), 0o600);
    assert.equal((await loadOrCreateAdminCredentials(file, 'admin@shop.local', undefined)).password, first.password);
    assert.notEqual((await loadOrCreateAdminCredentials(file, 'ops@shop.local', undefined)).password, first.password);
    const given = await loadOrCreateAdminCredentials(join(dir, 'other.json'), 'admin@shop.local', 'a given password');
    assert.deepEqual(given, { email: 'admin@shop.local', password: 'a given password', source: 'ADMIN_PASSWORD' });
    await assert.rejects(stat(join(dir, 'other.json')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an ADMIN_PASSWORD the user service would refuse is named at the launcher', () => {
  assert.equal(adminPasswordProblem('admin@shop.local', 'a fine long secret'), undefined);
  assert.match(adminPasswordProblem('admin@shop.local', 'short') ?? '', /10 to 256/);
  assert.match(adminPasswordProblem('admin@shop.local', 'aaaaaaaaaaaa') ?? '', /4 different/);
  assert.match(adminPasswordProblem('admin@shop.local', 'my Admin password') ?? '', /local part of ADMIN_EMAIL/);
});
