// A stand-in backend process for balancer tests: answers /health and echoes,
// with `?delayMs=` to hold a request open. Run: node echoServer.ts <port> <name>
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const name = process.argv[3] ?? 'echo';
createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const delay = Number(url.searchParams.get('delayMs') ?? 0);
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ name, method: req.method, path: url.pathname, body: Buffer.concat(chunks).toString() }));
    }, delay);
  });
}).listen(port, '127.0.0.1', () => process.stdout.write('listening\n'));
