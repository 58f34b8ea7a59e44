import { request } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigOrExit, pick } from '@shop/platform';
import { launcherSpec } from './config.ts';
import { readLauncherState, readLauncherTls, type LauncherState } from './state.ts';

/**
 * `npm run admin -- promote <email>` / `demote <email>`: an operator changes
 * an account's role. It calls the user service's POST /users/admin/roles over the
 * mesh with the launcher's mTLS identity (<data dir>/pki/launcher.crt|key), the
 * only caller that route accepts; so it works on the machine that runs the
 * platform, for whoever can read the data directory's keys, and never
 * through the public API.
 */

const USAGE =
  "usage: npm run admin -- promote <email> | demote <email>   (SHOP_DATA_DIR: the running platform's data directory)";

export type AdminCommand = { role: 'admin' | 'customer'; email: string };

export function parseAdminArgs(argv: readonly string[]): AdminCommand | { error: string } {
  const [verb, email, ...rest] = argv;
  if (rest.length > 0 || !email || !email.includes('@')) return { error: USAGE };
  if (verb === 'promote') return { role: 'admin', email };
  if (verb === 'demote') return { role: 'customer', email };
  return { error: USAGE };
}

export interface MeshIdentity {
  cert: string;
  key: string;
  ca: string;
}

/** The user instances of the running platform, from the launcher's state file. */
export async function userPorts(dataDir: string): Promise<number[]> {
  let state: LauncherState;
  try {
    state = await readLauncherState(dataDir);
  } catch {
    throw new Error(
      `no running platform in ${dataDir} (no launcher.json): start it with npm start, or set SHOP_DATA_DIR`,
    );
  }
  const ports = (state.instances ?? []).filter((i) => i.service === 'user').map((i) => i.port);
  if (ports.length === 0) throw new Error(`the platform in ${dataDir} runs no user instance`);
  return ports;
}

export async function launcherIdentity(dataDir: string): Promise<MeshIdentity> {
  try {
    return await readLauncherTls(dataDir);
  } catch {
    throw new Error(
      `no launcher certificate in ${join(dataDir, 'pki')}: roles are changed over the mesh's mTLS, which SHOP_MTLS=false turns off`,
    );
  }
}

export interface Answer {
  status: number;
  /** The answer: a role change, or a problem document (its detail says why). */
  body: { email?: string; role?: string; changed?: boolean; detail?: string; title?: string };
}

function parseBody(text: string): Answer['body'] {
  try {
    return JSON.parse(text) as Answer['body'];
  } catch {
    return { detail: text };
  }
}

export function postRole(
  port: number,
  identity: MeshIdentity,
  command: AdminCommand,
  timeoutMs = 10_000,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/users/admin/roles',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        ...identity,
        servername: 'localhost',
        agent: false,
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: parseBody(Buffer.concat(chunks).toString('utf8')) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(command));
  });
}

/** Asks each user instance in turn until one answers (an instance may be restarting). */
export async function changeRole(dataDir: string, command: AdminCommand): Promise<Answer> {
  const identity = await launcherIdentity(dataDir);
  let lastError: unknown;
  for (const port of await userPorts(dataDir)) {
    try {
      const answer = await postRole(port, identity, command);
      if (answer.status < 500) return answer;
      lastError = new Error(`user instance on port ${port} answered ${answer.status}: ${answer.body.detail ?? ''}`);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

async function main(): Promise<number> {
  const command = parseAdminArgs(process.argv.slice(2));
  if ('error' in command) {
    process.stderr.write(`${command.error}\n`);
    return 64;
  }
  // The launcher's own SHOP_DATA_DIR, read by its spec: the same default, the same rules.
  const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
  const { SHOP_DATA_DIR: dataDir } = loadConfigOrExit(
    { name: 'admin', spec: pick(launcherSpec(repoRoot), ['SHOP_DATA_DIR']) },
    process.env,
  );
  try {
    const answer = await changeRole(dataDir, command);
    if (answer.status !== 200) {
      process.stderr.write(
        `admin: ${command.email}: ${answer.status} ${answer.body.detail ?? answer.body.title ?? ''}\n`,
      );
      return 1;
    }
    process.stdout.write(
      `${answer.body.email ?? command.email} is ${answer.body.role === 'admin' ? 'an administrator' : 'a customer'}${answer.body.changed ? ' now' : ' already'}${command.role === 'customer' && answer.body.changed ? ' (their sessions were ended)' : ''}\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(`admin: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (import.meta.main) process.exitCode = await main();
