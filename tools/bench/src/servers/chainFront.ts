// The front of a two-hop chain: GET /hello calls the back and returns its answer.
// Each part can be changed on its own, so a gap between two chains can be
// pinned on one thing:
//   --front raw   bare Fastify, no hooks, no tracing
//   --front kit   the platform kit (createServiceApp: hooks, metrics, a server span per request)
//   --client pool a keep-alive undici Pool, no policies
//   --client mesh the mesh client (P2C, breaker, retry budget, bulkhead, deadline, a client span per call)
//   --pki <dir>   mTLS to the back with the gateway's certificate (either client)
//   --mesh-span off  the mesh client's span (and its traceparent) left out; the kit's server span stays
//   --tracing off    no tracing in the front at all (the kit without its OpenTelemetry provider)
// Run: node chainFront.ts --port <port> --back <url> [--front raw|kit] [--client pool|mesh] [--pki dir] [--mesh-span off]
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PeerCertificate } from 'node:tls';
import { parseArgs } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';
import { Pool } from 'undici';
import { ProxyTracerProvider, trace, type TracerProvider } from '@opentelemetry/api';
import { createMeshClient } from '@shop/mesh';
import { createLogger, createServiceApp, ServiceMetrics } from '@shop/platform';
import { startTelemetry } from '@shop/telemetry';
import { BENCH_PRODUCT_PATH } from './benchProduct.ts';
import { eluRoute } from './elu.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    back: { type: 'string' },
    front: { type: 'string', default: 'raw' },
    client: { type: 'string', default: 'pool' },
    pki: { type: 'string' },
    'mesh-span': { type: 'string', default: 'on' },
    tracing: { type: 'string', default: 'on' },
  },
});
const PATH = BENCH_PRODUCT_PATH;
const backUrl = values.back ?? '';
const tls = values.pki
  ? {
      cert: await readFile(join(values.pki, 'gateway.crt'), 'utf8'),
      key: await readFile(join(values.pki, 'gateway.key'), 'utf8'),
      ca: await readFile(join(values.pki, 'ca.crt'), 'utf8'),
    }
  : undefined;
const ids = { service: 'gateway', instance: 'front-bench', region: 'us-east' };

if (values.front === 'kit' && values.tracing === 'on') {
  startTelemetry({ ...ids, endpoint: undefined });
  if (values['mesh-span'] === 'off') muteTracer('shop-mesh');
}

/** The mesh client's events (retries, ejections, breaker, budget) since start: a wait hidden behind a retry shows here. */
const meshEvents: Record<string, number> = {};
type Call = () => Promise<string>;
let call: Call;
if (values.client === 'mesh') {
  const client = createMeshClient({
    service: 'product',
    caller: 'gateway',
    instances: [backUrl],
    tls,
    onEvent: (event) => void (meshEvents[event.type] = (meshEvents[event.type] ?? 0) + 1),
  });
  call = async () => (await client.requestRaw({ method: 'GET', path: PATH })).body.text();
} else {
  // The same certificate check the mesh makes: the server must be the product service.
  const expected = 'URI:spiffe://shop.local/product';
  const pool = new Pool(backUrl, {
    connections: 128,
    keepAliveTimeout: 10_000,
    ...(tls
      ? {
          connect: {
            ...tls,
            rejectUnauthorized: true,
            checkServerIdentity: (_host: string, cert: PeerCertificate) =>
              cert.subjectaltname?.split(', ').includes(expected) ? undefined : new Error('not product'),
          },
        }
      : {}),
  });
  call = async () => (await pool.request({ path: PATH, method: 'GET' })).body.text();
}

const app: FastifyInstance =
  values.front === 'kit'
    ? (createServiceApp({
        ...ids,
        logger: createLogger({ ...ids, level: 'warn' }),
        metrics: new ServiceMetrics(ids),
        readiness: [],
        maxConcurrentRequests: 100_000,
      }) as unknown as FastifyInstance)
    : Fastify();
app.get('/hello', async (_request, reply) => reply.type('application/json').send(await call()));
eluRoute(app, () => ({ ...meshEvents }));
await app.listen({ host: '127.0.0.1', port: Number(values.port) });
process.stdout.write('ready\n');
process.once('SIGINT', () => process.exit(0));

/**
 * Makes one named tracer a no-op (its spans are non-recording, so nothing is
 * injected as traceparent either) and leaves every other tracer as it was.
 * Modules get their tracer at import, as a proxy that resolves the real one at
 * its first span, so patching the registered provider before any request is enough.
 */
function muteTracer(name: string): void {
  const registered = trace.getTracerProvider();
  const real: TracerProvider = registered instanceof ProxyTracerProvider ? registered.getDelegate() : registered;
  const noop = new ProxyTracerProvider().getTracer(name);
  const getTracer = real.getTracer.bind(real);
  real.getTracer = (tracerName, version, options) =>
    tracerName === name ? noop : getTracer(tracerName, version, options);
}
