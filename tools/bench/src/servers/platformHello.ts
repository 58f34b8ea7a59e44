// A service built on the platform kit (validation, problem errors, metrics,
// tracing hooks, admission control) answering like a product read.
// Run: node platformHello.ts <port> [pkiDir identity]  (mTLS when a PKI dir is given)
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLogger, createServiceApp, ServiceMetrics } from '@shop/platform';
import { startTelemetry } from '@shop/telemetry';
import { BENCH_PRODUCT } from './benchProduct.ts';
import { eluRoute } from './elu.ts';

const [port, pki, identity = 'product'] = process.argv.slice(2);
const tls = pki
  ? {
      cert: await readFile(join(pki, `${identity}.crt`), 'utf8'),
      key: await readFile(join(pki, `${identity}.key`), 'utf8'),
      ca: await readFile(join(pki, 'ca.crt'), 'utf8'),
    }
  : undefined;
const ids = { service: identity, instance: `${identity}-bench`, region: 'us-east' };
startTelemetry({ ...ids, endpoint: undefined });
const app = createServiceApp({
  ...ids,
  logger: createLogger({ ...ids, level: 'warn' }),
  metrics: new ServiceMetrics(ids),
  readiness: [],
  tls,
  maxConcurrentRequests: 100_000,
});
app.get('/products/:id', () => BENCH_PRODUCT);
app.get('/hello', () => ({ hello: 'world' }));
// Connections accepted: a client that does not keep its connections alive shows here.
let connections = 0;
app.server.on('connection', () => void (connections += 1));
eluRoute(app, () => ({ connections }));
await app.listen({ host: '127.0.0.1', port: Number(port) });
process.stdout.write('ready\n');
process.once('SIGINT', () => process.exit(0));
