import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreatePki } from '@shop/mesh/pki';
import { freePort, serversDir, startProcess, type Started } from './processes.ts';

export interface Running {
  url: string;
  pids: number[];
  stop(): Promise<void>;
}

export interface Scenario {
  key: string;
  name: string;
  start(): Promise<Running>;
}

const script = (name: string): string => join(serversDir, name);

async function run(parts: Array<Promise<Started>>, url: string): Promise<Running> {
  const started = await Promise.all(parts);
  return { url, pids: started.map((s) => s.child.pid!), stop: async () => void (await Promise.all(started.map((s) => s.stop()))) };
}

async function single(file: string, path: string, extra: string[] = []): Promise<Running> {
  const port = await freePort();
  return run([startProcess(script(file), [String(port), ...extra])], `http://127.0.0.1:${port}${path}`);
}

let pkiDir: Promise<string> | undefined;
/** A throwaway CA with certificates for the mesh scenarios. */
function pki(): Promise<string> {
  pkiDir ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shop-bench-pki-'));
    const ca = await loadOrCreatePki(dir);
    for (const identity of ['product', 'gateway']) {
      const bundle = await ca.issue(identity);
      await writeFile(join(dir, `${identity}.crt`), bundle.cert);
      await writeFile(join(dir, `${identity}.key`), bundle.key);
    }
    return dir;
  })();
  return pkiDir;
}

async function chain(mode: 'raw' | 'mesh'): Promise<Running> {
  const [backPort, frontPort] = [await freePort(), await freePort()];
  const dir = mode === 'mesh' ? await pki() : undefined;
  const back = await startProcess(script('platformHello.ts'), dir ? [String(backPort), dir, 'product'] : [String(backPort)]);
  const backUrl = `${dir ? 'https' : 'http'}://127.0.0.1:${backPort}`;
  const front = await startProcess(script('chainFront.ts'), [String(frontPort), mode, backUrl, ...(dir ? [dir] : [])]);
  return { url: `http://127.0.0.1:${frontPort}/hello`, pids: [back.child.pid!, front.child.pid!], stop: async () => void (await Promise.all([back.stop(), front.stop()])) };
}

async function moleculer(transport: 'NATS' | 'TCP'): Promise<Running> {
  const port = await freePort();
  const env = { BENCH_RUN_ID: `${process.pid}-${Date.now()}` };
  const back = await startProcess(script('moleculerPeer.ts'), ['back', transport], env);
  const front = await startProcess(script('moleculerPeer.ts'), ['front', transport, String(port)], env);
  return { url: `http://127.0.0.1:${port}/hello`, pids: [back.child.pid!, front.child.pid!], stop: async () => void (await Promise.all([back.stop(), front.stop()])) };
}

export const scenarios: Scenario[] = [
  { key: 'bare', name: 'bare node:http hello', start: () => single('bareHttp.ts', '/hello') },
  { key: 'fastify', name: 'bare Fastify hello', start: () => single('fastifyHello.ts', '/hello') },
  { key: 'platform', name: 'one service on the platform kit (product read shape)', start: () => single('platformHello.ts', '/products/0b7c9d2e-6f5a-4c1b-9e8d-7a6b5c4d3e2f') },
  { key: 'chain-raw', name: 'two hops, raw: Fastify -> keep-alive undici -> service', start: () => chain('raw') },
  { key: 'chain-mesh', name: 'two hops, mesh: service -> mesh client (mTLS, P2C, breaker, retry budget, deadline, span) -> service', start: () => chain('mesh') },
  { key: 'moleculer-nats', name: 'Moleculer: Fastify -> broker -> broker over NATS', start: () => moleculer('NATS') },
  { key: 'moleculer-tcp', name: 'Moleculer: Fastify -> broker -> broker over TCP', start: () => moleculer('TCP') },
];
