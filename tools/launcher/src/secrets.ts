import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Passwords the launcher makes once and keeps under .data/ (mode 0600), so restarts reuse them. */
export interface Secrets {
  postgres: string;
  services: Record<string, string>;
}

export async function loadOrCreateSecrets(file: string, services: readonly string[]): Promise<Secrets> {
  let secrets: Secrets = { postgres: token(), services: {} };
  try {
    secrets = JSON.parse(await readFile(file, 'utf8')) as Secrets;
  } catch {
    // first start: keep the fresh ones
  }
  let changed = false;
  for (const service of services) {
    if (!secrets.services[service]) {
      secrets.services[service] = token();
      changed = true;
    }
  }
  if (changed) {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  }
  return secrets;
}

function token(): string {
  return randomBytes(18).toString('base64url');
}
