/**
 * Headers that describe one connection, not the message (RFC 9110 §7.6.1),
 * plus the two a proxy sets itself: `host` (the upstream's) and
 * `content-length` (the body it actually sends). None is passed along.
 */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

type Headers = Record<string, string | string[] | undefined>;

/**
 * The headers to pass on to the other side: all but the hop-by-hop ones,
 * those named in `drop` (what the proxy sets or refuses itself), and empty ones.
 */
export function forwardable(headers: Headers, drop?: ReadonlySet<string>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !HOP_BY_HOP.has(name) && !drop?.has(name)) out[name] = value;
  }
  return out;
}

/** X-Forwarded-For with `peer` (the address this hop saw) appended: each proxy adds the one it knows. */
export function appendForwardedFor(existing: string | string[] | undefined, peer: string): string {
  if (existing === undefined || existing === '') return peer;
  return `${Array.isArray(existing) ? existing.join(', ') : existing}, ${peer}`;
}
