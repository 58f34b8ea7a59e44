import type { ServiceApp } from '@shop/platform';

export interface SecurityHeadersOptions {
  /** CORS_ORIGINS as a list: when it is not `*`, answers differ by Origin and caches must know. */
  corsOrigins: readonly string[];
}

/** The API answers JSON and event streams: nothing in them may run, load or be framed. */
const API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/** The /docs index is HTML with one inline style sheet and nothing else. */
const HTML_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * Headers every public answer carries (OWASP Secure Headers): no MIME
 * sniffing, no referrer leaving the shop, no framing, a content policy that
 * lets nothing run. HSTS belongs to whoever terminates TLS (the edge), so the
 * plain-HTTP gateway does not send it.
 */
export function registerSecurityHeaders(app: ServiceApp, options: SecurityHeadersOptions): void {
  const varyByOrigin = !options.corsOrigins.includes('*');
  app.addHook('onSend', (_request, reply, payload, done) => {
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('referrer-policy', 'no-referrer');
    void reply.header('x-frame-options', 'DENY');
    const type = String(reply.getHeader('content-type') ?? '');
    void reply.header('content-security-policy', type.startsWith('text/html') ? HTML_POLICY : API_POLICY);
    if (varyByOrigin) {
      const vary = String(reply.getHeader('vary') ?? '');
      if (!/\borigin\b/i.test(vary)) void reply.header('vary', vary ? `${vary}, Origin` : 'Origin');
    }
    done(null, payload);
  });
}
