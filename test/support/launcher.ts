import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'undici';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  readLauncherState,
  readLauncherTls,
  writeTopology as writeLauncherTopology,
  type LauncherState,
} from '@shop/launcher/state';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export type { LauncherState };

export interface RunningLauncher {
  child: ChildProcess;
  dataDir: string;
  output: () => string;
  /**
   * GET an instance's path the way the launcher does: over mTLS with the
   * launcher's certificate for services, plain HTTP for the rest. Resolves to
   * the status code (and body text).
   */
  get(port: number, path: string, options?: { tls?: boolean }): Promise<{ status: number; text: string }>;
  /** Any request to an instance, over mTLS as the launcher for services. */
  send(
    port: number,
    path: string,
    options: { method: string; body?: string; headers?: Record<string, string>; tls?: boolean },
  ): Promise<{ status: number; headers: Record<string, unknown>; text: string }>;
  state(): Promise<LauncherState>;
  /** SIGINT, as Ctrl-C would; resolves with the exit code. */
  interrupt(): Promise<number | null>;
}

/**
 * Writes a topology file: each listed service with `instances` instances, ports
 * from portBase; with `gateways`, a load balancer on portBase + 99.
 */
export function writeTopology(
  dir: string,
  portBase: number,
  services: Record<string, number>,
  options: { gateways?: number } = {},
): Promise<string> {
  const edge = options.gateways ? { edge: { gateways: options.gateways, lbPort: portBase + 99 } } : {};
  return writeLauncherTopology(dir, { name: 'test', description: 'written by a test', portBase, services, ...edge });
}

/** Runs `npm start`'s entry point as a real process and waits for its "all ready" line. */
export async function startLauncher(options: {
  dataDir: string;
  topology: string;
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}): Promise<RunningLauncher> {
  const child = spawn(process.execPath, [join(repoRoot, 'tools/launcher/src/main.ts')], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      SHOP_DATA_DIR: options.dataDir,
      TOPOLOGY: options.topology,
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit');
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  while (!/all \d+ processes ready/.test(output)) {
    if (child.exitCode !== null) throw new Error(`launcher exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`launcher not ready in time:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  let agent: Agent | undefined;
  const meshAgent = async (): Promise<Agent> => {
    agent ??= new Agent({ connect: { ...(await readLauncherTls(options.dataDir)), servername: 'localhost' } });
    return agent;
  };
  child.once('exit', () => void agent?.close());
  return {
    child,
    dataDir: options.dataDir,
    output: () => output,
    get: async (port, path, getOptions = {}) => {
      const tls = getOptions.tls ?? true;
      const response = await request(`${tls ? 'https' : 'http'}://127.0.0.1:${port}${path}`, {
        dispatcher: tls ? await meshAgent() : undefined,
        signal: AbortSignal.timeout(2000),
      });
      return { status: response.statusCode, text: await response.body.text() };
    },
    send: async (port, path, sendOptions) => {
      const tls = sendOptions.tls ?? true;
      // node:http(s) rather than undici: a server may answer (413) and close
      // before an oversized body is fully written; like curl, we keep the answer
      // instead of reporting the write's EPIPE.
      const certificates = tls ? { ...(await readLauncherTls(options.dataDir)), servername: 'localhost' } : {};
      return new Promise((resolve, reject) => {
        let answered = false;
        const req = (tls ? httpsRequest : httpRequest)(
          {
            host: '127.0.0.1',
            port,
            path,
            method: sendOptions.method,
            headers: sendOptions.headers,
            signal: AbortSignal.timeout(5000),
            agent: false,
            ...certificates,
          },
          (res) => {
            answered = true;
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                text: Buffer.concat(chunks).toString('utf8'),
              }),
            );
            res.on('error', reject);
          },
        );
        req.on('error', (error) => {
          if (!answered) reject(error);
        });
        req.end(sendOptions.body);
      });
    },
    state: () => readLauncherState(options.dataDir),
    interrupt: async () => {
      if (child.exitCode === null) child.kill('SIGINT');
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export async function status(url: string): Promise<number> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await response.arrayBuffer();
  return response.status;
}
