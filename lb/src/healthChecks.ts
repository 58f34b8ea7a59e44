import { Pool } from 'undici';
import type { Backend, BackendSet } from '@shop/mesh';
import type { Logger } from '@shop/platform';

/** The connections to each gateway: bounded, keep-alive, headers within the upstream timeout, bodies unbounded (streams). */
export function createPools(set: BackendSet, connections: number, upstreamTimeoutMs: number): Map<Backend, Pool> {
  return new Map(
    set.backends.map((b) => [
      b,
      new Pool(b.url, { connections, keepAliveTimeout: 10_000, headersTimeout: upstreamTimeoutMs, bodyTimeout: 0 }),
    ]),
  );
}

/** What one round of active checks needs. */
export interface HealthChecks {
  set: BackendSet;
  pools: Map<Backend, Pool>;
  /** What the checks ask (a draining gateway is alive but not ready, and must leave rotation). */
  path: string;
  timeoutMs: number;
  logger: Logger;
}

/** One round of active checks: every gateway asked at once; a change of rotation is logged. */
export async function checkHealth(checks: HealthChecks): Promise<void> {
  await Promise.all(checks.set.backends.map((backend) => checkOne(checks, backend)));
}

async function checkOne(checks: HealthChecks, backend: Backend): Promise<void> {
  let ok: boolean;
  try {
    const response = await checks.pools.get(backend)!.request({
      path: checks.path,
      method: 'GET',
      signal: AbortSignal.timeout(checks.timeoutMs),
    });
    await response.body.dump();
    ok = response.statusCode === 200;
  } catch {
    ok = false;
  }
  const was = backend.healthy;
  checks.set.probeResult(backend, ok);
  if (was !== backend.healthy)
    checks.logger.warn(
      { backend: backend.url, healthy: backend.healthy },
      backend.healthy ? 'gateway back in rotation' : 'gateway out of rotation',
    );
}
