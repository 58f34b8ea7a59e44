import {
  createLogger,
  createServiceApp,
  ServiceMetrics,
  type Lifecycle,
  type Logger,
  type ServiceApp,
} from '@shop/platform';
import { registerControlRoutes } from './control.ts';
import { Faults, type FaultSettings } from './faults.ts';
import { registerIntentRoutes } from './intents.ts';
import { registerRefundRoutes } from './refunds.ts';
import { SandboxStore } from './store.ts';

export interface SandboxOptions {
  faults?: Partial<FaultSettings>;
  /** Pass the store of a stopped sandbox to "restart the provider" with its history. */
  store?: SandboxStore;
  random?: () => number;
  now?: () => number;
  logger?: Logger;
  /** Shared with serve(): draining fails readiness. */
  lifecycle?: Lifecycle;
  instance?: string;
  region?: string;
}

/**
 * The payment provider sandbox: a Stripe stand-in with Stripe's idempotency
 * semantics, test cards, and fault knobs (latency, errors, dropped responses
 * after a committed charge). Never listens; main.ts or a test does.
 */
export function createSandbox(options: SandboxOptions = {}): ServiceApp {
  const instance = options.instance ?? 'payment-sandbox-1';
  const region = options.region ?? 'us-east';
  const identity = { service: 'payment-sandbox', instance, region };
  const ctx = {
    store: options.store ?? new SandboxStore(),
    faults: new Faults(options.faults ?? {}, options.random ?? Math.random),
  };
  const now = options.now ?? Date.now;
  const app = createServiceApp({
    ...identity,
    logger: options.logger ?? createLogger({ ...identity, level: 'silent' }),
    metrics: new ServiceMetrics(identity),
    readiness: [],
    ...(options.lifecycle ? { lifecycle: options.lifecycle } : {}),
  });
  registerIntentRoutes(app, ctx, now);
  registerRefundRoutes(app, ctx, now);
  registerControlRoutes(app, ctx);
  return app;
}
