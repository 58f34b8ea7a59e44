// A process built from the platform kit with one slow route, for shutdown tests.
// Run: node slowService.ts <port> <shutdownTimeoutMs>
import { createLogger, createServiceApp, serve, ServiceMetrics } from '@shop/platform';

const port = Number(process.argv[2]);
const identity = { service: 'slow', instance: 'slow-1', region: 'us-east' };
const logger = createLogger({ ...identity, level: 'silent' });
const lifecycle = { draining: false };
const app = createServiceApp({ ...identity, logger, metrics: new ServiceMetrics(identity), readiness: [], lifecycle });
app.get('/slow', async () => {
  await new Promise((resolve) => setTimeout(resolve, 800));
  return { finished: true };
});
await serve(app, {
  host: '127.0.0.1',
  port,
  logger,
  lifecycle,
  shutdownTimeoutMs: Number(process.argv[3] ?? 5000),
  onClose: [() => Promise.resolve(void process.stdout.write('closed pools\n'))],
});
process.stdout.write('listening\n');
