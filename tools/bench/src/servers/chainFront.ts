// The front of a two-hop chain: GET /hello calls the back and returns its answer.
// Mode "raw": a keep-alive undici Pool over plain HTTP, no policies, on bare Fastify.
// Mode "mesh": the platform kit and the mesh client (mTLS, P2C, breaker, retries, deadline, a span per call).
// Run: node chainFront.ts <port> <raw|mesh> <backUrl> [pkiDir]
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify from 'fastify';
import { Pool } from 'undici';
import { createMeshClient } from '@shop/mesh';
import { createLogger, createServiceApp, ServiceMetrics } from '@shop/platform';
import { startTelemetry } from '@shop/telemetry';

const [port, mode, backUrl, pki] = process.argv.slice(2) as [string, 'raw' | 'mesh', string, string | undefined];
if (mode === 'raw') {
  const pool = new Pool(backUrl, { connections: 128, keepAliveTimeout: 10_000 });
  const app = Fastify();
  app.get('/hello', async (_request, reply) => {
    const response = await pool.request({ path: '/products/0b7c9d2e-6f5a-4c1b-9e8d-7a6b5c4d3e2f', method: 'GET' });
    return reply.type('application/json').send(await response.body.text());
  });
  await app.listen({ host: '127.0.0.1', port: Number(port) });
} else {
  const tls = pki ? { cert: await readFile(join(pki, 'gateway.crt'), 'utf8'), key: await readFile(join(pki, 'gateway.key'), 'utf8'), ca: await readFile(join(pki, 'ca.crt'), 'utf8') } : undefined;
  const ids = { service: 'gateway', instance: 'front-bench', region: 'us-east' };
  startTelemetry({ ...ids, endpoint: undefined });
  const client = createMeshClient({ service: 'product', caller: 'gateway', instances: [backUrl], tls });
  const app = createServiceApp({ ...ids, logger: createLogger({ ...ids, level: 'warn' }), metrics: new ServiceMetrics(ids), readiness: [], maxConcurrentRequests: 100_000 });
  app.get('/hello', async (_request, reply) => {
    const response = await client.requestRaw({ method: 'GET', path: '/products/0b7c9d2e-6f5a-4c1b-9e8d-7a6b5c4d3e2f' });
    return reply.type('application/json').send(await response.body.text());
  });
  await app.listen({ host: '127.0.0.1', port: Number(port) });
}
process.stdout.write('ready\n');
process.once('SIGINT', () => process.exit(0));
