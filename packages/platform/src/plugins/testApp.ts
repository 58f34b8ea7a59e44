// For the plugins' unit tests: a bare Fastify instance typed as the service app, with a silent
// logger, so each test registers only the plugin it checks (and problems, to see its answers).
import Fastify from 'fastify';
import { createLogger } from '../logger.ts';
import { ServiceMetrics } from '../metrics.ts';
import type { ServiceApp } from '../serviceApp.ts';
import { registerProblems } from './problems.ts';

export const identity = { service: 'test', instance: 'test-1', region: 'us-east' };

/** A bare app with problem+json errors (unless `problems` is false); `metrics` is a fresh registry per app. */
export function bareApp(options: { problems?: boolean } = {}): { app: ServiceApp; metrics: ServiceMetrics } {
  const app = Fastify({ loggerInstance: createLogger({ ...identity, level: 'silent' }) }) as unknown as ServiceApp;
  if (options.problems !== false) registerProblems(app);
  return { app, metrics: new ServiceMetrics(identity) };
}
