import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { Database, DatabaseUnavailableError } from './database.ts';

/** A PostgreSQL message: type byte, length, body. */
function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

/**
 * A stand-in server that answers each connection's startup message with `answer` (and then
 * ignores it): just enough of the protocol for a pool to connect, or to be refused.
 */
async function fakeServer(
  answer: (socket: Socket) => void,
): Promise<{ server: Server; url: string; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.once('data', () => answer(socket));
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return { server, url: `postgres://shop:secret@127.0.0.1:${port}/shop`, sockets };
}

function stop(fake: { server: Server; sockets: Socket[] }): Promise<void> {
  for (const socket of fake.sockets) socket.destroy();
  return new Promise((resolve) => fake.server.close(() => resolve()));
}

test('a server with every connection slot taken (53300) is unavailable for now, not a fatal error', async (t) => {
  const field = (code: string, text: string): Buffer => Buffer.from(`${code}${text}\0`, 'utf8');
  const tooMany = Buffer.concat([
    field('S', 'FATAL'),
    field('V', 'FATAL'),
    field('C', '53300'),
    field('M', 'sorry, too many clients already'),
    Buffer.from([0]),
  ]);
  const fake = await fakeServer((socket) => socket.end(message('E', tooMany)));
  const db = new Database({ connectionString: fake.url, max: 2, acquireTimeoutMs: 2000 });
  t.after(async () => {
    await db.close();
    await stop(fake);
  });
  await assert.rejects(db.query('SELECT 1'), DatabaseUnavailableError);
});

test('warm opens the connections before any query needs them, and leaves them idle in the pool', async (t) => {
  const authenticationOk = message('R', Buffer.from([0, 0, 0, 0]));
  const readyForQuery = message('Z', Buffer.from('I', 'latin1'));
  const fake = await fakeServer((socket) => socket.write(Buffer.concat([authenticationOk, readyForQuery])));
  const db = new Database({ connectionString: fake.url, max: 5, acquireTimeoutMs: 2000 });
  t.after(async () => {
    await db.close();
    await stop(fake);
  });
  await db.warm(3);
  assert.equal(fake.sockets.length, 3, 'three connections made');
  assert.deepEqual(db.stats(), { total: 3, idle: 3, waiting: 0, max: 5 });
  await db.warm(50);
  assert.equal(db.stats().total, 5, 'never more than the pool holds');
});
