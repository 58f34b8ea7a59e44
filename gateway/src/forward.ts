import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, canonicalPath, CLIENT_ADDRESS_HEADER, type PeerClient, type ServiceApp } from '@shop/platform';
import { appendForwardedFor, forwardable, relayed, upstreamFailure } from '@shop/proxy';
import { CRITICALITY_HEADER, failureKindOf } from '@shop/mesh';
import type { Access } from './access.ts';
import { isInternal, serviceFor, SERVICE_PREFIXES, STREAM_PATH, type GatewayPeers } from './routes.ts';
import type { StreamSlots } from './streams.ts';

/** What forwarding to the services needs. */
export interface Forwarding {
  access: Access;
  streams: StreamSlots;
  peers: GatewayPeers<PeerClient>;
  /** The notification service on connections of its own, for event streams. */
  streamPeer: PeerClient;
  upstreamTimeoutMs: number;
}

/**
 * Not passed on to a service: the caller's claimed identity (the mesh sends
 * ours), the client's trace context (the mesh client injects its own span's)
 * and any criticality it claims (the gateway's, from the route, goes instead).
 */
const NOT_FORWARDED: ReadonlySet<string> = new Set(['x-caller', 'traceparent', 'tracestate', CRITICALITY_HEADER]);

/** Every public prefix forwarded to its service, bodies as bytes: no JSON parse and re-serialise on the hot path. */
export function registerForwarding(app: ServiceApp, forwarding: Forwarding): void {
  app.register((scope, _options, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, next) => next(null, body));
    const handler = (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> =>
      forward(forwarding, request, reply);
    for (const prefix of Object.keys(SERVICE_PREFIXES)) {
      scope.all(prefix, handler);
      scope.all(`${prefix}/*`, handler);
    }
    done();
  });
}

/** The route a request asks for, in its one canonical spelling: the route checked is the route reached. */
function routeOf(request: FastifyRequest): { path: string; query: string; service: keyof GatewayPeers<unknown> } {
  const raw = request.raw.url ?? '/';
  const queryAt = raw.indexOf('?');
  const canonical = canonicalPath(queryAt === -1 ? raw : raw.slice(0, queryAt));
  if (!canonical.ok)
    throw new AppError('VALIDATION_FAILED', { detail: `The request path is refused: ${canonical.reason}` });
  const service = serviceFor(canonical.path);
  if (!service || isInternal(canonical.path))
    throw new AppError('NOT_FOUND', { detail: `No public route for ${request.method} ${canonical.path}` });
  return { path: canonical.path, query: queryAt === -1 ? '' : raw.slice(queryAt), service };
}

async function forward(forwarding: Forwarding, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { path, query, service } = routeOf(request);
  const principal = await forwarding.access.admit(request, reply);
  const stream = path === STREAM_PATH && request.method === 'GET';
  // Anonymous stream requests pass on to the service, which refuses them (401).
  const release = stream && principal ? forwarding.streams.take(principal.userId) : undefined;
  const abort = new AbortController();
  reply.raw.once('close', () => {
    release?.();
    if (!reply.raw.writableFinished) abort.abort();
  });
  const peer = stream ? forwarding.streamPeer : forwarding.peers[service];
  if (!peer)
    throw new AppError('DEPENDENCY_UNAVAILABLE', { detail: `The ${service} service is not deployed in this region` });
  const upstream = await peer.requestRaw({
    method: request.method,
    path: `${path}${query}`,
    headers: forwardHeaders(request, forwarding.access.addressOf(request)),
    body: request.body as Buffer | undefined,
    timeoutMs: forwarding.upstreamTimeoutMs,
    bodyTimeoutMs: stream ? 0 : forwarding.upstreamTimeoutMs,
    signal: abort.signal,
  });
  const answer = await relayed(upstream).catch((error: unknown) => {
    throw upstreamFailure(failureKindOf(error), `The ${service} service's answer broke off`, error);
  });
  return reply.headers(answer.headers).status(upstream.status).send(answer.body);
}

function forwardHeaders(request: FastifyRequest, clientAddress: string): Record<string, string | string[]> {
  const headers = forwardable(request.headers, NOT_FORWARDED);
  // Vouched for by the gateway's mesh identity, the only one services believe it from.
  headers[CLIENT_ADDRESS_HEADER] = clientAddress;
  headers['x-forwarded-for'] = appendForwardedFor(request.headers['x-forwarded-for'], request.ip);
  headers['x-request-id'] = request.id;
  return headers;
}
