// The bench's fixture scenarios: bare baselines, the two-hop chains (one
// change at a time between raw and mesh) and Moleculer, each started as its
// own processes on free ports.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { loadOrCreatePki } from '@shop/mesh/pki';
import type { Target } from './measure.ts';
import { BENCH_PRODUCT_PATH } from './servers/benchProduct.ts';
import { fixedProcesses, freePort, serversDir, startProcess, type ProcessSet, type Started } from './processes.ts';

export interface Running {
  target: Target;
  processes: ProcessSet;
  /** Event-loop utilisation of each fixture since the last call, by role (fixtures that answer /_bench/elu). */
  elu?: () => Promise<Record<string, number>>;
  stop(): Promise<void>;
}

export interface ScenarioContext {
  /** Where a scenario that is profiled writes its .cpuprofile files (set with --cpu-prof). */
  profileDir?: (key: string) => string;
}

export interface Scenario {
  key: string;
  name: string;
  /** A diagnostic: one change from a neighbour, run to explain a gap (shown in its own table). */
  diagnostic?: boolean;
  start(context: ScenarioContext): Promise<Running>;
}

const script = (name: string): string => join(serversDir, name);

function running(parts: Array<[string, Started]>, target: Target): Running {
  return {
    target,
    processes: fixedProcesses(parts.map(([role, started]) => [role, started.child.pid!])),
    stop: async () => void (await Promise.all(parts.map(([, started]) => started.stop()))),
  };
}

async function single(file: string, path: string): Promise<Running> {
  const port = await freePort();
  return running([['server', await startProcess(script(file), [String(port)])]], {
    url: `http://127.0.0.1:${port}${path}`,
  });
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

interface ChainShape {
  front: 'raw' | 'kit';
  client: 'pool' | 'mesh';
  tls: boolean;
  meshSpan?: boolean;
  /** Tracing in the front at all (the kit's server span and the mesh's client span); default on for the kit. */
  tracing?: boolean;
}

/** Two hops: a front (bare Fastify or the platform kit) calls a platform-kit back through a plain undici Pool or the mesh client, with or without mTLS. */
function chain(shape: ChainShape): (context: ScenarioContext, key: string) => Promise<Running> {
  return async (context, key) => {
    const [backPort, frontPort] = [await freePort(), await freePort()];
    const dir = shape.tls ? await pki() : undefined;
    const backUrl = `${dir ? 'https' : 'http'}://127.0.0.1:${backPort}`;
    const back = await startProcess(
      script('platformHello.ts'),
      dir ? [String(backPort), dir, 'product'] : [String(backPort)],
    );
    const profile = context.profileDir?.(key);
    const front = await startProcess(script('chainFront.ts'), frontArgs(shape, { frontPort, backUrl, dir }), {
      nodeArgs: profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [],
    }).catch(async (error: unknown) => {
      await back.stop();
      throw error;
    });
    const run = running(
      [
        ['front', front],
        ['back', back],
      ],
      { url: `http://127.0.0.1:${frontPort}/hello` },
    );
    const probe = await eluProbe(dir);
    return {
      ...run,
      elu: async () => ({
        front: await probe.read(`http://127.0.0.1:${frontPort}/_bench/elu`),
        back: await probe.read(`${backUrl}/_bench/elu`),
      }),
      stop: async () => {
        await probe.close();
        await run.stop();
      },
    };
  };
}

/** chainFront.ts's command line for a shape. */
function frontArgs(shape: ChainShape, at: { frontPort: number; backUrl: string; dir: string | undefined }): string[] {
  return [
    '--port',
    String(at.frontPort),
    '--back',
    at.backUrl,
    '--front',
    shape.front,
    '--client',
    shape.client,
    ...(at.dir ? ['--pki', at.dir] : []),
    ...(shape.meshSpan === false ? ['--mesh-span', 'off'] : []),
    ...(shape.tracing === false ? ['--tracing', 'off'] : []),
  ];
}

/** Reads a fixture's event-loop utilisation from /_bench/elu (over mTLS as the gateway when the chain has a PKI). */
async function eluProbe(
  dir: string | undefined,
): Promise<{ read(url: string): Promise<number>; close(): Promise<void> }> {
  const agent = dir
    ? new Agent({
        connect: {
          cert: await readFile(join(dir, 'gateway.crt'), 'utf8'),
          key: await readFile(join(dir, 'gateway.key'), 'utf8'),
          ca: await readFile(join(dir, 'ca.crt'), 'utf8'),
          rejectUnauthorized: false,
        },
      })
    : undefined;
  return {
    read: async (url) => {
      const response = await request(url, { dispatcher: url.startsWith('https') ? agent : undefined });
      return ((await response.body.json()) as { elu: number }).elu;
    },
    close: async () => void (await agent?.close()),
  };
}

async function moleculer(transport: 'NATS' | 'TCP'): Promise<Running> {
  const port = await freePort();
  const env = { BENCH_RUN_ID: `${process.pid}-${Date.now()}` };
  const back = await startProcess(script('moleculerPeer.ts'), ['back', transport], { env });
  const front = await startProcess(script('moleculerPeer.ts'), ['front', transport, String(port)], { env }).catch(
    async (error: unknown) => {
      await back.stop();
      throw error;
    },
  );
  return running(
    [
      ['front', front],
      ['back', back],
    ],
    { url: `http://127.0.0.1:${port}/hello` },
  );
}

function chainScenario(key: string, name: string, shape: ChainShape, diagnostic = false): Scenario {
  const start = chain(shape);
  return { key, name, diagnostic, start: (context) => start(context, key) };
}

/** The baselines and the two-hop chains, each its own processes. */
export const scenarios: Scenario[] = [
  { key: 'bare', name: 'bare node:http hello', start: () => single('bareHttp.ts', '/hello') },
  { key: 'fastify', name: 'bare Fastify hello', start: () => single('fastifyHello.ts', '/hello') },
  {
    key: 'platform',
    name: 'one service on the platform kit (product read shape)',
    start: () => single('platformHello.ts', BENCH_PRODUCT_PATH),
  },
  chainScenario('chain-raw', 'two hops, raw: Fastify -> keep-alive undici -> service', {
    front: 'raw',
    client: 'pool',
    tls: false,
  }),
  chainScenario(
    'chain-mesh',
    'two hops, mesh: service -> mesh client (mTLS, P2C, breaker, retry budget, deadline, span) -> service',
    { front: 'kit', client: 'mesh', tls: true },
  ),
  { key: 'moleculer-nats', name: 'Moleculer: Fastify -> broker -> broker over NATS', start: () => moleculer('NATS') },
  { key: 'moleculer-tcp', name: 'Moleculer: Fastify -> broker -> broker over TCP', start: () => moleculer('TCP') },
  // One change at a time between chain-raw and chain-mesh.
  chainScenario(
    'chain-raw-tls',
    'raw chain + mTLS: Fastify -> undici Pool over mTLS -> service',
    { front: 'raw', client: 'pool', tls: true },
    true,
  ),
  chainScenario(
    'chain-kit-pool',
    'raw chain + kit front: platform kit -> plain undici Pool -> service',
    { front: 'kit', client: 'pool', tls: false },
    true,
  ),
  chainScenario(
    'chain-mesh-plain',
    'mesh without TLS: platform kit -> mesh client over plain HTTP -> service',
    { front: 'kit', client: 'mesh', tls: false },
    true,
  ),
  chainScenario(
    'chain-mesh-nospan',
    'mesh without its span: platform kit -> mesh client (mTLS, no client span) -> service',
    { front: 'kit', client: 'mesh', tls: true, meshSpan: false },
    true,
  ),
  chainScenario(
    'chain-mesh-notrace',
    'mesh, front untraced: platform kit without tracing -> mesh client (mTLS, no spans) -> service',
    { front: 'kit', client: 'mesh', tls: true, tracing: false },
    true,
  ),
];
