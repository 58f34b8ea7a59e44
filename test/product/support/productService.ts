import { createTestIssuer, createTokenVerifier, type TestIssuer } from '@shop/auth';
import { Database, type ReadRouter } from '@shop/data';
import { configSpec, createApp, type ProductConfig } from '@shop/product-service';
import { createLogger, ServiceMetrics, type ServiceApp, type ServiceDeps } from '@shop/platform';
import { startServiceForTest, type ServiceUnderTest } from '../../support/service.ts';
import { routerFor } from '../../data/support/replica.ts';

type Overrides = NonNullable<Parameters<typeof createApp>[2]>;

export interface ProductServiceUnderTest extends ServiceUnderTest<ProductConfig> {
  issuer: TestIssuer;
  /** The instance's read router (over the primary only unless started with `replicaUrl`). */
  reads: ReadRouter;
  /** Queries the service ran whose text matched `countQueries` (reset by setting 0). */
  counted: { n: number };
  auth(role?: 'customer' | 'admin'): Promise<{ authorization: string }>;
}

/**
 * The product service on a real PostgreSQL with a test token issuer (no user
 * service needed). Small catalogs by default: CATALOG_SEED_COUNT=0 unless given.
 */
export async function startProductService(
  adminUrl: string,
  options: {
    env?: Record<string, string>;
    overrides?: Overrides;
    countQueries?: RegExp;
    poolMax?: number;
    /** Admin URL of a streaming replica of adminUrl's server. */ replicaUrl?: string;
  } = {},
): Promise<ProductServiceUnderTest> {
  const issuer = await createTestIssuer();
  const verifier = createTokenVerifier({ loadKeys: () => Promise.resolve(issuer.jwks) });
  const counted = { n: 0 };
  let reads: ReadRouter | undefined;
  const service = await startServiceForTest<ProductConfig>({
    service: 'product',
    adminUrl,
    configSpec,
    poolMax: options.poolMax,
    env: { CATALOG_SEED_COUNT: '0', RESERVATION_SWEEP_INTERVAL_MS: '100', ...options.env },
    createApp: async (config, deps) => {
      const db = options.countQueries ? countingDb(deps.db, options.countQueries, counted) : deps.db;
      reads = await routerFor(db, config.DATABASE_URL, options.replicaUrl);
      return createApp(config, { ...deps, db, reads }, { verifier, ...options.overrides });
    },
  });
  const router = reads!;
  return {
    ...service,
    issuer,
    reads: router,
    counted,
    auth: async (role = 'admin') => ({ authorization: `Bearer ${await issuer.token({ role })}` }),
    close: async () => {
      await service.close();
      await router.close();
    },
  };
}

/** The same Database, counting the queries whose text matches. (Methods stay bound: Database has private fields.) */
function countingDb(db: Database, pattern: RegExp, counted: { n: number }): Database {
  return new Proxy(db, {
    get(target, property) {
      if (property === 'query') {
        return (text: string, values?: unknown[]) => {
          if (pattern.test(text)) counted.n += 1;
          return target.query(text, values);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Another instance of the service on the same database (as a second process would be), on the same replica if the first has one. */
export async function startSecondInstance(
  first: ProductServiceUnderTest,
  env: Partial<ProductConfig> = {},
  options: { replicaUrl?: string } = {},
): Promise<{ app: ServiceApp; reads: ReadRouter; close(): Promise<void> }> {
  const db = new Database({ connectionString: first.databaseUrl, max: 5, acquireTimeoutMs: 5000 });
  const reads = await routerFor(db, first.databaseUrl, options.replicaUrl);
  const identity = { service: 'product', instance: 'product-test-2', region: first.config.REGION };
  const deps: ServiceDeps = {
    service: 'product',
    db,
    reads,
    logger: createLogger({ ...identity, level: 'silent' }),
    metrics: new ServiceMetrics(identity),
    lifecycle: { draining: false },
  };
  const verifier = createTokenVerifier({ loadKeys: () => Promise.resolve(first.issuer.jwks) });
  const app = createApp({ ...first.config, INSTANCE_ID: 'product-test-2', ...env }, deps, { verifier });
  return {
    app,
    reads,
    close: async () => {
      await app.close();
      await reads.close();
      await db.close();
    },
  };
}

export interface ProductInput {
  sku: string;
  name: string;
  brand: string;
  category: string;
  priceMinor: number;
  currency?: string;
  description?: string;
  stock?: number;
  attributes?: Record<string, string | number | boolean>;
}

/** Creates a product through the API as an administrator; returns its id. */
export async function createProduct(service: ProductServiceUnderTest, input: ProductInput): Promise<string> {
  const response = await service.app.inject({
    method: 'POST',
    url: '/products',
    headers: await service.auth('admin'),
    payload: { currency: 'USD', ...input },
  });
  if (response.statusCode !== 201)
    throw new Error(`creating ${input.sku} answered ${response.statusCode}: ${response.body}`);
  return response.json<{ id: string }>().id;
}
