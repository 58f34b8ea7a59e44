// What the mesh client's own code costs per call, without sockets: a raw
// undici request against the mesh client's requestRaw, with the transport
// replaced by an in-process answer. No syscalls and no other process in the
// number, so it holds better on a busy machine than the socket scenarios.
// Each case runs in its own process (tracing is process-wide).
//   node tools/bench/src/micro.ts                 all cases, a table
//   node tools/bench/src/micro.ts --case <name>   one case, one JSON line
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCH_PRODUCT, BENCH_PRODUCT_PATH } from './servers/benchProduct.ts';

export interface MicroResult {
  case: string;
  what: string;
  calls: number;
  cpuMicrosPerCall: number;
}

const CASES: Record<string, string> = {
  undici: 'client: undici request() through an Agent (the transport answers in-process)',
  mesh: 'client: mesh client requestRaw (P2C, breaker, retry budget, bulkhead, deadline), tracing off',
  'mesh-span': 'client: the same with tracing on (a recording client span per call, traceparent injected; no exporter)',
};

const PATH = BENCH_PRODUCT_PATH;
const BODY = Buffer.from(JSON.stringify(BENCH_PRODUCT));
const RAW_HEADERS = [
  Buffer.from('content-type'),
  Buffer.from('application/json; charset=utf-8'),
  Buffer.from('content-length'),
  Buffer.from(String(BODY.length)),
];

interface LegacyHandler {
  onConnect(abort: () => void, context?: unknown): void;
  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean | void;
  onData(chunk: Buffer): boolean | void;
  onComplete(trailers: Buffer[]): void;
}

/** Every undici Agent in this process answers 200 with the product, a microtask later: the transport is gone, the request API stays. */
async function mockTransport(): Promise<void> {
  const { Agent } = await import('undici');
  Object.defineProperty(Agent.prototype, 'dispatch', {
    value(_opts: unknown, handler: LegacyHandler): boolean {
      queueMicrotask(() => {
        handler.onConnect(() => undefined);
        handler.onHeaders(200, RAW_HEADERS, () => undefined, 'OK');
        handler.onData(BODY);
        handler.onComplete([]);
      });
      return true;
    },
  });
}

async function startTracing(): Promise<void> {
  const { startTelemetry } = await import('@shop/telemetry');
  startTelemetry({ service: 'bench', instance: 'micro', region: 'us-east', endpoint: undefined });
}

async function callOf(name: string): Promise<() => Promise<unknown>> {
  if (name === 'mesh-span') await startTracing();
  switch (name) {
    case 'undici': {
      await mockTransport();
      const { Agent, request } = await import('undici');
      const agent = new Agent();
      return async () => (await request(`http://127.0.0.1:1${PATH}`, { dispatcher: agent })).body.text();
    }
    case 'mesh':
    case 'mesh-span': {
      await mockTransport();
      const { createMeshClient } = await import('@shop/mesh');
      const client = createMeshClient({ service: 'product', caller: 'gateway', instances: ['http://127.0.0.1:1'] });
      return async () => (await client.requestRaw({ method: 'GET', path: PATH })).body.text();
    }
    default:
      throw new Error(`no case ${name}; one of ${Object.keys(CASES).join(', ')}`);
  }
}

/** 50 calls in flight (as the saturated scenarios), CPU time over `seconds` after a warm-up. */
async function runCase(name: string, seconds: number): Promise<MicroResult> {
  const call = await callOf(name);
  const loop = async (until: number): Promise<number> => {
    let n = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (performance.now() < until) {
          await call();
          n += 1;
        }
      }),
    );
    return n;
  };
  await loop(performance.now() + 1000);
  const before = process.cpuUsage();
  const calls = await loop(performance.now() + seconds * 1000);
  const cpu = process.cpuUsage(before);
  return {
    case: name,
    what: CASES[name]!,
    calls,
    cpuMicrosPerCall: Math.round(((cpu.user + cpu.system) / calls) * 10) / 10,
  };
}

/** Runs every case, each in a fresh process, `repeats` times; keeps the lowest (the least disturbed) per case. */
export async function runMicro(options: { seconds?: number; repeats?: number } = {}): Promise<MicroResult[]> {
  const self = fileURLToPath(import.meta.url);
  const results: MicroResult[] = [];
  for (const name of Object.keys(CASES)) {
    let best: MicroResult | undefined;
    for (let i = 0; i < (options.repeats ?? 3); i++) {
      const child = spawn(process.execPath, [self, '--case', name, '--seconds', String(options.seconds ?? 2)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      await new Promise((resolve) => child.once('exit', resolve));
      const result = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as MicroResult;
      if (!best || result.cpuMicrosPerCall < best.cpuMicrosPerCall) best = result;
    }
    results.push(best!);
  }
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      case: { type: 'string' },
      seconds: { type: 'string', default: '2' },
      repeats: { type: 'string', default: '3' },
    },
  });
  if (values.case) {
    process.stdout.write(`${JSON.stringify(await runCase(values.case, Number(values.seconds)))}\n`);
  } else {
    console.table(await runMicro({ seconds: Number(values.seconds), repeats: Number(values.repeats) }));
  }
  process.exit(0);
}
