// Stands in for a trace collector on another machine: accepts OTLP/HTTP
// exports and discards them, so every platform process still makes and
// exports its spans (that cost stays in the figures) while the built-in
// collector's parsing and storage do not compete for the bench's two cores.
// Run: node otlpSink.ts <port>
import { createServer } from 'node:http';

let exports = 0;
createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    exports += 1;
    if (req.url === '/_bench/count') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ exports }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
}).listen(Number(process.argv[2]), '127.0.0.1', () => process.stdout.write('ready\n'));
process.once('SIGINT', () => process.exit(0));
