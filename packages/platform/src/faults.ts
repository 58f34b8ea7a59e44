import { setTimeout as sleep } from 'node:timers/promises';
import { Type } from 'typebox';
import { AppError } from './errors.ts';
import type { ServiceApp } from './serviceApp.ts';

/**
 * Faults this instance injects into its own requests, for chaos runs: added
 * latency (a slow instance) and a share of requests failed with 500 (a sick
 * one: its own failure, which callers retry elsewhere and count against it)
 * or refused with 503 OVERLOADED (a busy one, as its admission control would). Health, readiness, metrics and the fault routes themselves are exempt,
 * so the instance stays observable and can be healed.
 */
export interface Faults {
  latencyMs: number;
  errorRate: number;
  /** A share of requests refused as admission control refuses them (503 OVERLOADED): a busy instance. */
  shedRate: number;
}

const FaultsBody = Type.Object(
  {
    latencyMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
    errorRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    shedRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  { additionalProperties: false },
);

export const FAULTS_PATH = '/_chaos/faults';
const EXEMPT = new Set(['/health', '/ready', '/metrics', FAULTS_PATH]);

/**
 * GET/PUT/DELETE /_chaos/faults, callable only by the mesh identities in
 * `callers` (the launcher, which runs chaos): a PUT merges into the current
 * faults, a DELETE heals. `random` is injected so tests choose who fails.
 */
export function registerFaults(app: ServiceApp, options: { callers: string[]; random?: () => number }): void {
  const random = options.random ?? Math.random;
  const faults: Faults = { latencyMs: 0, errorRate: 0, shedRate: 0 };

  app.addHook('onRequest', async (request) => {
    if (EXEMPT.has(request.url.split('?')[0] ?? request.url)) return;
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    if (faults.errorRate > 0 && random() < faults.errorRate) {
      throw new AppError('INTERNAL', { detail: 'A fault injected by a chaos run' });
    }
    if (faults.shedRate > 0 && random() < faults.shedRate) {
      throw new AppError('OVERLOADED', { retryAfter: 1, detail: 'A refusal injected by a chaos run' });
    }
  });

  const config = { callers: options.callers };
  app.get(FAULTS_PATH, { config }, () => faults);
  app.put(FAULTS_PATH, { config, schema: { body: FaultsBody } }, (request) => {
    Object.assign(faults, request.body);
    request.log.warn({ faults }, 'chaos: faults injected');
    return faults;
  });
  app.delete(FAULTS_PATH, { config }, (request) => {
    Object.assign(faults, { latencyMs: 0, errorRate: 0, shedRate: 0 });
    request.log.warn('chaos: faults healed');
    return faults;
  });
}
