import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type PeerClient, type ServiceApp } from '@shop/platform';
import { isInternal, SERVICE_PREFIXES, type GatewayPeers, type RoutedService } from './routes.ts';

/** Where every service serves the OpenAPI document made from its own route schemas (platform). */
export const SERVICE_OPENAPI_PATH = '/openapi.json';

export interface DocsOptions {
  peers: GatewayPeers<PeerClient>;
  /** Runs first on each docs request (the anonymous rate limit). */
  admit: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  now: () => number;
  /** A fetched document is served this long before it is fetched again (default 60 s). */
  cacheMs?: number;
}

interface OpenApiDocument {
  openapi: string;
  info?: { title?: string; version?: string };
  paths?: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

type Fetched = { ok: true; doc: OpenApiDocument } | { ok: false; reason: string };

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];

/** Services with at least one public route (payment is reachable only inside the mesh). */
export const DOCUMENTED: RoutedService[] = Object.entries(SERVICE_PREFIXES)
  .filter(([prefix]) => !isInternal(prefix))
  .map(([, service]) => service);

/**
 * The API documentation of the region, at the edge: `/docs` is an HTML index
 * of every public service's operations, `/docs/<service>.json` its OpenAPI
 * document, fetched from the service through the mesh (so from any instance,
 * with the mesh's timeouts and breaker) and cached. Routes the gateway refuses
 * (internal ones) are removed: the documents describe what a client can call.
 * When a service cannot be asked, the last good document is served if there
 * is one; otherwise the index says so and its JSON is a 503.
 */
export function registerDocs(app: ServiceApp, options: DocsOptions): void {
  const cacheMs = options.cacheMs ?? 60_000;
  const cache = new Map<RoutedService, { doc: OpenApiDocument; at: number }>();
  const inflight = new Map<RoutedService, Promise<Fetched>>();

  async function fetchDoc(service: RoutedService): Promise<Fetched> {
    const cached = cache.get(service);
    if (cached && options.now() - cached.at < cacheMs) return { ok: true, doc: cached.doc };
    let pending = inflight.get(service);
    if (!pending) {
      pending = fetchFresh(service).finally(() => inflight.delete(service));
      inflight.set(service, pending);
    }
    const fresh = await pending;
    return fresh.ok || !cached ? fresh : { ok: true, doc: cached.doc };
  }

  async function fetchFresh(service: RoutedService): Promise<Fetched> {
    const peer = options.peers[service];
    if (!peer) return { ok: false, reason: 'not deployed in this region' };
    try {
      const response = await peer.request<unknown>({ method: 'GET', path: SERVICE_OPENAPI_PATH, timeoutMs: 2000 });
      if (response.status !== 200 || !isOpenApi(response.body))
        return { ok: false, reason: `answered ${response.status} without an OpenAPI document` };
      const doc = publicOnly(response.body);
      cache.set(service, { doc, at: options.now() });
      return { ok: true, doc };
    } catch (error) {
      return { ok: false, reason: error instanceof Error ? error.message : String(error) };
    }
  }

  app.get('/docs', async (request, reply) => {
    await options.admit(request, reply);
    const docs = await Promise.all(DOCUMENTED.map(async (service) => [service, await fetchDoc(service)] as const));
    void reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
    return reply.type('text/html; charset=utf-8').send(renderIndex(docs));
  });

  app.get<{ Params: { file: string } }>('/docs/:file', async (request, reply) => {
    await options.admit(request, reply);
    const service = DOCUMENTED.find((s) => request.params.file === `${s}.json`);
    if (!service) throw new AppError('NOT_FOUND', { detail: `No API document ${request.params.file}; see /docs` });
    const fetched = await fetchDoc(service);
    if (!fetched.ok)
      throw new AppError('DEPENDENCY_UNAVAILABLE', {
        retryAfter: 5,
        detail: `The ${service} service's API document is unavailable: ${fetched.reason}`,
      });
    return reply.type('application/json; charset=utf-8').send(fetched.doc);
  });
}

function isOpenApi(body: unknown): body is OpenApiDocument {
  return typeof body === 'object' && body !== null && typeof (body as { openapi?: unknown }).openapi === 'string';
}

function publicOnly(doc: OpenApiDocument): OpenApiDocument {
  const paths = Object.fromEntries(Object.entries(doc.paths ?? {}).filter(([path]) => !isInternal(path)));
  return { ...doc, paths, servers: [{ url: '/' }] };
}

function renderIndex(docs: ReadonlyArray<readonly [RoutedService, Fetched]>): string {
  const sections = docs.map(([service, fetched]) => {
    const heading = `<h2>${escape(service)} <a href="/docs/${escape(service)}.json">${escape(service)}.json</a></h2>`;
    if (!fetched.ok) return `${heading}<p class="down">Unavailable right now: ${escape(fetched.reason)}</p>`;
    const rows = Object.entries(fetched.doc.paths ?? {}).flatMap(([path, item]) =>
      METHODS.filter((method) => item && typeof item === 'object' && method in item).map((method) => {
        const operation = (item as Record<string, { summary?: unknown }>)[method];
        const summary = typeof operation?.summary === 'string' ? operation.summary : '';
        return `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escape(path)}</code></td><td>${escape(summary)}</td></tr>`;
      }),
    );
    return `${heading}<table>${rows.join('')}</table>`;
  });
  return `<!doctype html><html><head><meta charset="utf-8"><title>shop API</title><style>body{font-family:system-ui,sans-serif;margin:2em}td{padding:.1em .8em}.down{color:#b00}</style></head><body><h1>shop API</h1>${sections.join('')}</body></html>`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
