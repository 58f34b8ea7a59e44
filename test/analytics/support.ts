import { v7 as uuidv7 } from 'uuid';
import { createTestIssuer, createTokenVerifier, type TestIssuer } from '@shop/auth';
import { provisionServiceDatabases } from '@shop/data';
import { createPgEventLog, migrateEventLog, type Envelope, type PgEventLog } from '@shop/events';
import { createApp, configSpec, type AnalyticsConfig } from '@shop/analytics-service';
import { createLogger, ServiceMetrics, type ServiceApp } from '@shop/platform';
import { startEmbeddedCluster, uniquePrefix, type TestCluster } from '../support/postgres.ts';
import { startServiceForTest, type ServiceUnderTest } from '../support/service.ts';

export interface AnalyticsUnderTest {
  log: PgEventLog;
  issuer: TestIssuer;
  readonly app: ServiceApp;
  svc: ServiceUnderTest<AnalyticsConfig>;
  /** GET as an administrator. */
  get(url: string): Promise<{ status: number; contentType: string | undefined; body: any }>;
  /** Stops the app (and its consumer) and builds it again on the same database, after `meanwhile`. */
  restart(meanwhile?: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

/** The analytics service on an embedded PostgreSQL, consuming a PostgreSQL event log of its own. */
export async function createAnalyticsService(): Promise<AnalyticsUnderTest> {
  const cluster: TestCluster = await startEmbeddedCluster('analytics');
  const prefix = uniquePrefix('ev');
  const [events] = await provisionServiceDatabases({
    adminUrl: cluster.adminUrl,
    services: ['events'],
    prefix,
    password: () => `pw-${prefix}`,
  });
  await migrateEventLog({ connectionString: events!.url });
  const log = createPgEventLog({ connectionString: events!.url });
  const issuer = await createTestIssuer();
  const verifier = createTokenVerifier({ loadKeys: () => Promise.resolve(issuer.jwks) });
  const overrides = { verifier, consumer: { maxAttempts: 2, backoff: () => 10, leaseMs: 1500 } };
  const svc = await startServiceForTest<AnalyticsConfig>({
    service: 'analytics',
    adminUrl: cluster.adminUrl,
    configSpec,
    env: { EVENTS_DATABASE_URL: events!.url, ANALYTICS_POLL_INTERVAL_MS: '100' },
    createApp: (config, deps) => createApp(config, deps, overrides),
  });
  let app = svc.app;
  const admin = { authorization: `Bearer ${await issuer.token({ role: 'admin' })}` };
  return {
    log,
    issuer,
    svc,
    get app() {
      return app;
    },
    get: async (url) => {
      const response = await app.inject({ method: 'GET', url, headers: admin });
      return { status: response.statusCode, contentType: response.headers['content-type'], body: response.json() };
    },
    restart: async (meanwhile) => {
      await app.close();
      await meanwhile?.();
      const identity = { service: 'analytics', instance: 'analytics-test', region: svc.config.REGION };
      app = createApp(
        svc.config,
        {
          service: 'analytics',
          db: svc.db,
          logger: createLogger({ ...identity, level: 'silent' }),
          metrics: new ServiceMetrics(identity),
          lifecycle: { draining: false },
        },
        overrides,
      );
      await app.ready();
    },
    close: async () => {
      if (app !== svc.app) await app.close();
      await svc.close();
      await log.close();
      await cluster.close();
    },
  };
}

export interface Line {
  productId: string;
  name: string | null;
  quantity: number;
  unitPriceMinor: number;
}

/** Order events shaped as the order service writes them (services/order/src/domain/order.ts), in one currency. */
export function orderEvents(currency: string): {
  event(type: string, orderId: string, occurredAt: string, payload: Record<string, unknown>): Envelope;
  /** placed, stock_reserved, paid and confirmed, all at `occurredAt`. */
  confirmedOrder(orderId: string, occurredAt: string, lines: Line[]): Envelope[];
} {
  const userId = uuidv7();
  const event = (type: string, orderId: string, occurredAt: string, payload: Record<string, unknown>): Envelope => ({
    id: uuidv7(),
    type,
    version: 1,
    key: orderId,
    aggregateId: orderId,
    producer: 'order-service',
    occurredAt,
    payload: { orderId, userId, email: 'shopper@example.com', ...payload },
  });
  return {
    event,
    confirmedOrder: (orderId, occurredAt, lines) => {
      const totalMinor = lines.reduce((sum, l) => sum + l.quantity * l.unitPriceMinor, 0);
      return [
        event('order.placed', orderId, occurredAt, {
          items: lines.map((l) => ({ productId: l.productId, quantity: l.quantity })),
        }),
        event('order.stock_reserved', orderId, occurredAt, { totalMinor, currency, items: lines }),
        event('order.paid', orderId, occurredAt, { paymentId: `pay_${orderId}`, amountMinor: totalMinor, currency }),
        event('order.confirmed', orderId, occurredAt, { totalMinor, currency, items: lines }),
      ];
    },
  };
}
