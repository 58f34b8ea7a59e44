// Bare Fastify, no plugins. Run: node fastifyHello.ts <port>
import Fastify from 'fastify';

const app = Fastify();
app.get('/*', () => ({ hello: 'world' }));
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2]) });
process.stdout.write('ready\n');
process.once('SIGINT', () => process.exit(0));
