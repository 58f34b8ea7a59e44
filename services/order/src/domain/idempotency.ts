import { createHash } from 'node:crypto';

/**
 * Idempotency keys, Stripe's semantics: a key names one request of one user.
 * The fingerprint is what "the same request" means: the user and the body,
 * canonicalised (key order and an absent body do not matter).
 */
export function requestFingerprint(userId: string, body: unknown): string {
  return createHash('sha256')
    .update(canonicalJson({ userId, body: body ?? {} }))
    .digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** What a lookup of a key found, and so what the request must do. */
export type KeyVerdict =
  | { kind: 'proceed' }
  | { kind: 'take_over'; orderId: string | null }
  | { kind: 'replay'; status: number; body: unknown }
  | { kind: 'reused' }
  | { kind: 'in_flight' };

export interface StoredKey {
  fingerprint: string;
  state: 'in_flight' | 'done';
  orderId: string | null;
  responseStatus: number | null;
  responseBody: unknown;
  lockExpired: boolean;
}

/** Decides, for an existing key, what a new request with it gets. */
export function judgeExistingKey(stored: StoredKey, fingerprint: string): KeyVerdict {
  if (stored.fingerprint !== fingerprint) return { kind: 'reused' };
  if (stored.state === 'done' && stored.responseStatus !== null)
    return { kind: 'replay', status: stored.responseStatus, body: stored.responseBody };
  // The first request's holder died mid-flight: this retry carries on its work.
  if (stored.lockExpired) return { kind: 'take_over', orderId: stored.orderId };
  return { kind: 'in_flight' };
}

/** Deterministic saga identifiers: re-driving a step after a crash repeats the same request. */
export function reservationIdFor(orderId: string): string {
  const hex = createHash('sha256').update(`order:${orderId}:reservation`).digest('hex');
  // Shaped as a version-5-style UUID so peers validating `format: uuid` accept it.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

export function chargeKeyFor(orderId: string): string {
  return `order:${orderId}:charge`;
}

export function refundKeyFor(orderId: string): string {
  return `order:${orderId}:refund`;
}
