// Moleculer, the best-known Node microservice framework, doing the same read:
// a Fastify front calls an action on a second broker over NATS or TCP.
// Run: node moleculerPeer.ts <front|back> <NATS|TCP> [port]
import Fastify from 'fastify';
import { ServiceBroker } from 'moleculer';
import { BENCH_PRODUCT } from './benchProduct.ts';

const [role, transport, port] = process.argv.slice(2) as ['front' | 'back', 'NATS' | 'TCP', string | undefined];
const transporter =
  transport === 'NATS' ? { type: 'NATS' as const, options: { url: 'nats://127.0.0.1:4222' } } : ('TCP' as const);
const namespace = `bench-${transport.toLowerCase()}-${process.env.BENCH_RUN_ID ?? 'x'}`;
const broker = new ServiceBroker({ namespace, nodeID: `${role}-${process.pid}`, transporter, logger: false });
if (role === 'back') {
  broker.createService({ name: 'product', actions: { get: () => BENCH_PRODUCT } });
  await broker.start();
  process.stdout.write('ready\n');
} else {
  await broker.start();
  await broker.waitForServices(['product'], 20_000);
  const app = Fastify();
  app.get('/hello', () => broker.call('product.get', { id: BENCH_PRODUCT.id }));
  await app.listen({ host: '127.0.0.1', port: Number(port) });
  process.stdout.write('ready\n');
}
