import { setTimeout as sleep } from 'node:timers/promises';
import { createTestIssuer, createTokenVerifier, type TestIssuer } from '@shop/auth';
import { Database } from '@shop/data';
import { createApp, configSpec, type OrderConfig } from '@shop/order-service';
import { createLogger, ServiceMetrics, type ServiceApp, type ServiceDeps } from '@shop/platform';
import { startServiceForTest, type ServiceUnderTest } from '../../support/service.ts';
import { PaymentServiceDouble, ProductServiceDouble } from './doubles.ts';

type Overrides = NonNullable<Parameters<typeof createApp>[2]>;

export interface OrderServiceUnderTest extends ServiceUnderTest<OrderConfig> {
  issuer: TestIssuer;
  product: ProductServiceDouble;
  payment: PaymentServiceDouble;
  /** A bearer header for a user (fresh id unless given). */
  auth(claims?: { userId?: string; role?: 'customer' | 'admin'; email?: string }): Promise<{ authorization: string }>;
}

export const fastSaga = { leaseMs: 1500, staleAfterMs: 300 };

/** The order service on a real PostgreSQL, with test doubles for its peers and a test token issuer. */
export async function startOrderService(adminUrl: string, overrides: Overrides = {}): Promise<OrderServiceUnderTest> {
  const issuer = await createTestIssuer();
  const verifier = createTokenVerifier({ loadKeys: () => Promise.resolve(issuer.jwks) });
  const product = new ProductServiceDouble();
  const payment = new PaymentServiceDouble();
  const service = await startServiceForTest<OrderConfig>({
    service: 'order',
    adminUrl,
    configSpec,
    env: {
      PEER_PRODUCT_URLS: 'http://127.0.0.1:9',
      PEER_PAYMENT_URLS: 'http://127.0.0.1:9',
      SAGA_RECOVERY_INTERVAL_MS: '100',
    },
    createApp: (config, deps) => createApp(config, deps, { verifier, product, payment, saga: fastSaga, ...overrides }),
  });
  return {
    ...service,
    issuer,
    product: (overrides.product as ProductServiceDouble | undefined) ?? product,
    payment: (overrides.payment as PaymentServiceDouble | undefined) ?? payment,
    auth: async (claims = {}) => ({ authorization: `Bearer ${await issuer.token(claims)}` }),
  };
}

/** A second instance of the order service on the same database (another process, after a crash). */
export async function startSecondInstance(
  first: OrderServiceUnderTest,
  overrides: Overrides,
): Promise<{ app: ServiceApp; close(): Promise<void> }> {
  const db = new Database({ connectionString: first.databaseUrl, max: 5, acquireTimeoutMs: 2000 });
  const identity = { service: 'order', instance: 'order-test-2', region: first.config.REGION };
  const deps: ServiceDeps = {
    service: 'order',
    db,
    logger: createLogger({ ...identity, level: 'silent' }),
    metrics: new ServiceMetrics(identity),
    lifecycle: { draining: false },
  };
  const verifier = createTokenVerifier({ loadKeys: () => Promise.resolve(first.issuer.jwks) });
  const app = createApp({ ...first.config, INSTANCE_ID: 'order-test-2' }, deps, { verifier, ...overrides });
  await app.ready();
  return {
    app,
    close: async () => {
      await app.close();
      await db.close();
    },
  };
}

export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
