import { createHash, randomBytes } from 'node:crypto';

/** A PaymentIntent as the provider keeps it (a subset of Stripe's object). */
export interface Intent {
  id: string;
  object: 'payment_intent';
  status: 'succeeded' | 'requires_payment_method';
  amount: number;
  amount_received: number;
  amount_refunded: number;
  currency: string;
  payment_method: string;
  metadata: Record<string, string>;
  created: number;
  idempotency_key: string;
  last_payment_error: { type: 'card_error'; code: string; decline_code: string; message: string } | null;
}

export interface Refund {
  id: string;
  object: 'refund';
  status: 'succeeded';
  amount: number;
  currency: string;
  payment_intent: string;
  created: number;
  idempotency_key: string;
}

/** A finished response kept for replay under its idempotency key. */
export interface StoredResponse {
  status: number;
  body: unknown;
}

interface KeyRecord {
  fingerprint: string;
  response: StoredResponse | undefined;
}

export type KeyClaim =
  { kind: 'claimed' } | { kind: 'replay'; response: StoredResponse } | { kind: 'mismatch' } | { kind: 'in_flight' };

/**
 * The provider's memory: intents, refunds and idempotency keys. It stands in for
 * Stripe, so it need not survive its own process; a test may pass one store to
 * a restarted sandbox so that "the provider came back" keeps its history.
 */
export class SandboxStore {
  readonly intents = new Map<string, Intent>();
  readonly refunds = new Map<string, Refund>();
  readonly #keys = new Map<string, KeyRecord>();

  /** Stripe's semantics: same key and parameters replay, other parameters are refused, a key in flight conflicts. */
  claim(key: string, fingerprint: string): KeyClaim {
    const record = this.#keys.get(key);
    if (!record) {
      this.#keys.set(key, { fingerprint, response: undefined });
      return { kind: 'claimed' };
    }
    if (record.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (!record.response) return { kind: 'in_flight' };
    return { kind: 'replay', response: record.response };
  }

  /** Whether a request with this key is being executed right now. */
  inFlight(key: string): boolean {
    const record = this.#keys.get(key);
    return record !== undefined && record.response === undefined;
  }

  complete(key: string, response: StoredResponse): void {
    const record = this.#keys.get(key);
    if (record) record.response = response;
  }

  /** The request never executed (a transient error before any effect): the key is free again. */
  release(key: string): void {
    const record = this.#keys.get(key);
    if (record && !record.response) this.#keys.delete(key);
  }

  intentByKey(key: string): Intent | undefined {
    return [...this.intents.values()].find((intent) => intent.idempotency_key === key);
  }

  refundByKey(key: string): Refund | undefined {
    return [...this.refunds.values()].find((refund) => refund.idempotency_key === key);
  }

  /** Every intent and refund, with the net amount charged per metadata.orderId. */
  ledger(): {
    intents: Intent[];
    refunds: Refund[];
    byOrder: Record<string, { charged: number; refunded: number; net: number; succeededIntents: number }>;
  } {
    const byOrder: Record<string, { charged: number; refunded: number; net: number; succeededIntents: number }> = {};
    for (const intent of this.intents.values()) {
      const orderId = intent.metadata.orderId;
      if (orderId === undefined || intent.status !== 'succeeded') continue;
      const entry = (byOrder[orderId] ??= { charged: 0, refunded: 0, net: 0, succeededIntents: 0 });
      entry.charged += intent.amount_received;
      entry.refunded += intent.amount_refunded;
      entry.net = entry.charged - entry.refunded;
      entry.succeededIntents += 1;
    }
    return { intents: [...this.intents.values()], refunds: [...this.refunds.values()], byOrder };
  }
}

export function newId(prefix: 'pi' | 're'): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

/** A stable digest of a request's parameters (key order does not matter). */
export function fingerprint(path: string, params: unknown): string {
  return createHash('sha256').update(path).update('\0').update(canonical(params)).digest('hex');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
