// The provider port and its answers, which the charge and refund rules (payment.ts, refund.ts)
// settle from; apart from the storage ports (ports.ts), which store what the rules define.

/**
 * The payment provider as the service sees it (Stripe, or the sandbox). Every
 * call carries the provider-side idempotency key, so repeating a call can never
 * charge twice. Implementations never throw for provider or network trouble:
 * what could not be learned is an `unknown` outcome.
 */
export interface PaymentProvider {
  charge(request: ProviderChargeRequest, signal?: AbortSignal): Promise<ChargeOutcome>;
  /** What the provider did with the charge sent under this key, if anything. */
  findCharge(idempotencyKey: string, signal?: AbortSignal): Promise<ChargeLookup>;
  refund(request: ProviderRefundRequest, signal?: AbortSignal): Promise<RefundOutcome>;
  findRefund(idempotencyKey: string, signal?: AbortSignal): Promise<RefundLookup>;
  close(): Promise<void>;
}

export interface ProviderChargeRequest {
  idempotencyKey: string;
  amountMinor: number;
  currency: string;
  paymentMethod: string;
  metadata: Record<string, string>;
}

export interface ProviderRefundRequest {
  idempotencyKey: string;
  providerRef: string;
  amountMinor: number;
}

export type ChargeOutcome =
  | { kind: 'succeeded'; providerRef: string }
  | { kind: 'declined'; declineCode: string; providerRef: string | null }
  /** The provider said it failed and charged nothing. */
  | { kind: 'failed'; reason: string }
  /** Timeout, dropped connection, unreadable answer: the card may or may not have been charged. */
  | { kind: 'unknown'; reason: string };

export type ChargeLookup =
  | { kind: 'found'; outcome: Extract<ChargeOutcome, { kind: 'succeeded' | 'declined' }> }
  | { kind: 'not_found' }
  | { kind: 'unknown'; reason: string };

export type RefundOutcome =
  { kind: 'succeeded'; providerRef: string } | { kind: 'failed'; reason: string } | { kind: 'unknown'; reason: string };

export type RefundLookup =
  { kind: 'found'; providerRef: string } | { kind: 'not_found' } | { kind: 'unknown'; reason: string };

/** Our key, namespaced, is the provider's key: any retry of ours is a retry there too. */
export function providerChargeKey(key: string): string {
  return `charge:${key}`;
}

export function providerRefundKey(key: string): string {
  return `refund:${key}`;
}
