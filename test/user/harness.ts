// Starts the user service for a test file, with its own config spec and an optional fake clock.
import assert from 'node:assert/strict';
import { configSpec, createApp, type UserConfig } from '@shop/user-service';
import type { LightMyRequestResponse } from 'fastify';
import { createLogger, ServiceMetrics, type ServiceApp, type ServiceDeps } from '@shop/platform';
import type { TestCluster } from '../support/postgres.ts';
import { startServiceForTest, type ServiceUnderTest } from '../support/service.ts';

export type UserService = ServiceUnderTest<UserConfig>;

export function startUserService(cluster: TestCluster, options: { env?: Record<string, string>; now?: () => number } = {}): Promise<UserService> {
  return startServiceForTest<UserConfig>({
    service: 'user',
    adminUrl: cluster.adminUrl,
    configSpec,
    env: options.env,
    createApp: (config, deps) => createApp(config, deps, { now: options.now }),
  });
}

/** Another instance of the service on the same database, as a second process would be. */
export async function anotherInstance(service: UserService, options: { now?: () => number; instance?: string } = {}): Promise<ServiceApp> {
  const identity = { service: 'user', instance: options.instance ?? 'user-test-2', region: service.config.REGION };
  const deps: ServiceDeps = { service: 'user', db: service.db, logger: createLogger({ ...identity, level: 'silent' }), metrics: new ServiceMetrics(identity), lifecycle: { draining: false } };
  const app = await createApp(service.config, deps, { now: options.now });
  await app.ready();
  return app;
}

export const PASSWORD = 'correct horse battery staple';

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: string;
}

export async function signUp(app: ServiceApp, email: string, password = PASSWORD, name = 'Test User'): Promise<{ id: string; role: string }> {
  const response = await app.inject({ method: 'POST', url: '/users', payload: { email, password, name } });
  assert.equal(response.statusCode, 201, response.body);
  return response.json();
}

export async function logIn(app: ServiceApp, email: string, password = PASSWORD, remoteAddress = '10.0.0.1'): Promise<Tokens> {
  const response = await app.inject({ method: 'POST', url: '/users/sessions', payload: { email, password }, remoteAddress });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

export function refresh(app: ServiceApp, refreshToken: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: '/users/sessions/refresh', payload: { refreshToken } });
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
