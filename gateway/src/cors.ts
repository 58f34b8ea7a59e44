import type { ServiceApp } from '@shop/platform';

const EXPOSED =
  'x-request-id, x-trace-id, x-consistency-token, retry-after, ratelimit-limit, ratelimit-remaining, ratelimit-reset, idempotent-replayed';
const ALLOWED_HEADERS = 'authorization, content-type, idempotency-key, x-request-id, x-consistency-token';

/**
 * CORS for the storefront's origins (`*` for any): the allowed origin and the
 * headers a browser may read on every answer, and preflight (OPTIONS) answered
 * here with 204, never forwarded.
 */
export function registerCors(app: ServiceApp, origins: string[]): void {
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (!origin || !(origins.includes('*') || origins.includes(origin))) return undefined;
    void reply.header('access-control-allow-origin', origins.includes('*') ? '*' : origin);
    void reply.header('access-control-expose-headers', EXPOSED);
    if (request.method !== 'OPTIONS') return undefined;
    void reply.header('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
    void reply.header('access-control-allow-headers', ALLOWED_HEADERS);
    void reply.header('access-control-max-age', '600');
    return reply.status(204).send();
  });
}
