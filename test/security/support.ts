// What the security suites share: one platform started by the launcher with a
// balancer in front, and requests sent byte for byte as written (fetch and
// undici resolve `%2e%2e` before sending, which would hide the very attack).
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { rm } from 'node:fs/promises';
import { startLauncher, writeTopology, type RunningLauncher } from '../support/launcher.ts';
import { freePort, scratchDir } from '../support/postgres.ts';

export interface Platform {
  launcher: RunningLauncher;
  /** The public entry: the balancer. */
  api: string;
  lbPort: number;
  stop(): Promise<void>;
}

/**
 * The smallest full region: one instance of each service, one gateway, a balancer at portBase + 99.
 * Keep portBase + 99 below 32768, where Linux's ephemeral ports start: a port in that range may be
 * the local end of some other test's outgoing connection when the launcher wants to listen on it
 * (the payment sandbox at 35090 could not start so in CI, after the slow-upload test's sockets).
 */
export async function startPlatform(
  name: string,
  portBase: number,
  env: Record<string, string> = {},
  services: Record<string, number> = {},
): Promise<Platform> {
  const dir = await scratchDir(`security-${name}`);
  const topology = await writeTopology(
    dir,
    portBase,
    { user: 1, product: 1, order: 1, payment: 1, notification: 1, ...services },
    { gateways: 1 },
  );
  const launcher = await startLauncher({
    dataDir: dir,
    topology,
    env: { EMBEDDED_PG_PORT: String(await freePort()), CATALOG_SEED_COUNT: '50', ...env },
    readyTimeoutMs: 90_000,
  });
  const lbPort = portBase + 99;
  return {
    launcher,
    api: `http://127.0.0.1:${lbPort}`,
    lbPort,
    stop: async () => {
      await launcher.interrupt();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** One request with its path exactly as given (no URL parsing, no dot-segment resolution). */
export function sendRaw(
  port: number,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string; timeoutMs?: number; localAddress?: string } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: options.headers,
        agent: false,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
