/**
 * One spelling per path. The gateway decides where a request goes on the path
 * it received, and every HTTP client between it and the service (undici's URL
 * parser, a proxy) may resolve `/x/%2e%2e/keys` to `/keys` later: the route
 * decided on and the route reached must be the same. So the gateway decides on
 * the canonical form and forwards exactly that, and services refuse any path
 * that is not already canonical (nothing legitimate sends one).
 *
 * Canonical (RFC 3986 section 6.2.2): percent-encoded unreserved characters
 * decoded (`%6b` is `k`, `%2e` is `.`), other escapes in upper case, no empty
 * segments (`//`), no `.` or `..` segments (resolved; one that climbs above the
 * root is refused). Refused outright: backslashes (WHATWG parsers take them for
 * `/`), encoded slashes and backslashes (a segment that turns into two), NUL
 * and other control characters, malformed escapes.
 */
export type CanonicalPath = { ok: true; path: string } | { ok: false; reason: string };

const UNRESERVED = /[A-Za-z0-9\-._~]/;

export function canonicalPath(raw: string): CanonicalPath {
  if (!raw.startsWith('/')) return refuse('the path must start with "/"');
  if (/[^\x21-\x7e]|\\/.test(raw))
    return refuse('the path has a backslash, a space, a control or a non-ASCII character');
  const segments: string[] = [];
  for (const segment of raw.slice(1).split('/')) {
    const decoded = decodeUnreserved(segment);
    if (decoded === undefined) return refuse('the path has a malformed or forbidden percent-escape');
    if (decoded === '' || decoded === '.') continue;
    if (decoded === '..') {
      if (segments.pop() === undefined) return refuse('the path climbs above the root');
      continue;
    }
    segments.push(decoded);
  }
  // A trailing slash is kept: `/products/` and `/products` may be different routes.
  const trailing = raw.length > 1 && raw.endsWith('/') && segments.length > 0 ? '/' : '';
  return { ok: true, path: `/${segments.join('/')}${trailing}` };
}

/** Whether a request path (query excluded) is already in canonical form. */
export function isCanonicalPath(path: string): boolean {
  const canonical = canonicalPath(path);
  return canonical.ok && canonical.path === path;
}

/** Decodes escapes of unreserved characters, upper-cases the rest; undefined for malformed, `/`, `\`, NUL or controls. */
function decodeUnreserved(segment: string): string | undefined {
  let out = '';
  for (let i = 0; i < segment.length; i += 1) {
    const ch = segment[i]!;
    if (ch !== '%') {
      out += ch;
      continue;
    }
    const hex = segment.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
    const code = Number.parseInt(hex, 16);
    if (code < 0x20 || code === 0x7f || code === 0x2f || code === 0x5c) return undefined;
    const char = String.fromCharCode(code);
    out += code < 0x80 && UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
    i += 2;
  }
  return out;
}

function refuse(reason: string): CanonicalPath {
  return { ok: false, reason };
}
