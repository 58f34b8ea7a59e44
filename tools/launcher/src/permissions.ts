import { chmod, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The mesh's private keys (the CA's, which can mint any identity, and every
 * service's and the launcher's) readable by their owner only: the directory
 * 0700, each key 0600. Files are created so, but a data directory from before,
 * or a umask, may have left them open: this tightens them on every start.
 */
export async function restrictPki(dir: string): Promise<void> {
  await chmod(dir, 0o700);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isFile() && (entry.name.endsWith('.key') || entry.name === 'signing-kek'))
      await chmod(join(dir, entry.name), 0o600);
  }
}

/** Instance logs hold request details (addresses, emails in errors): the directory 0700, files 0600. */
export async function restrictLogs(dir: string): Promise<void> {
  await chmod(dir, 0o700);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isFile()) await chmod(join(dir, entry.name), 0o600);
  }
}
