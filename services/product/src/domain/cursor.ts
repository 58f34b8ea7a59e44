import { createHash } from 'node:crypto';
import type { Sort } from './search.ts';

/**
 * Keyset pagination cursor: the last row's sort key and id, bound to the
 * search it came from. Opaque to clients (base64url JSON with a checksum); a
 * cursor that does not decode, fails its checksum, belongs to another search
 * or carries a key of the wrong shape is refused, so nothing unchecked ever
 * reaches SQL. The checksum is not a secret: a forged cursor can only name
 * another position in the same result list.
 */
export interface CursorPosition {
  /** The sort key of the last row served, as text (cast back in SQL). */
  key: string;
  id: string;
}

interface Payload {
  v: 1;
  f: string;
  k: string;
  i: string;
  c: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const keyShapes: Record<Sort, RegExp> = {
  relevance: /^-?\d{1,10}(\.\d{1,20})?(e-?\d{1,3})?$/,
  price_asc: /^\d{1,15}$/,
  price_desc: /^\d{1,15}$/,
  newest: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/,
  name: /^[\s\S]{1,300}$/,
};

function digest(parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0001')).digest('base64url').slice(0, 16);
}

export function encodeCursor(fingerprint: string, position: CursorPosition): string {
  const f = digest([fingerprint]);
  const payload: Payload = { v: 1, f, k: position.key, i: position.id, c: digest([f, position.key, position.id]) };
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

export type CursorResult = { ok: true; position: CursorPosition } | { ok: false; reason: string };

export function decodeCursor(cursor: string, fingerprint: string, sort: Sort): CursorResult {
  let payload: unknown;
  try {
    const json = Buffer.from(cursor, 'base64url').toString('utf8');
    // Base64url decoding is lenient; only the canonical encoding is ours.
    if (Buffer.from(json, 'utf8').toString('base64url') !== cursor)
      return { ok: false, reason: 'is not a cursor this service issued' };
    payload = JSON.parse(json);
  } catch {
    return { ok: false, reason: 'is not a cursor this service issued' };
  }
  if (!isPayload(payload) || payload.c !== digest([payload.f, payload.k, payload.i]))
    return { ok: false, reason: 'is not a cursor this service issued' };
  if (payload.f !== digest([fingerprint]))
    return { ok: false, reason: 'belongs to a different search (q, filters or sort changed)' };
  if (!UUID.test(payload.i) || !keyShapes[sort].test(payload.k) || payload.k.includes('\u0000'))
    return { ok: false, reason: 'is not a cursor this service issued' };
  return { ok: true, position: { key: payload.k, id: payload.i } };
}

function isPayload(value: unknown): value is Payload {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  return (
    p.v === 1 &&
    typeof p.f === 'string' &&
    typeof p.k === 'string' &&
    typeof p.i === 'string' &&
    typeof p.c === 'string'
  );
}
