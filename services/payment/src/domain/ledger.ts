/**
 * The append-only ledger: one line per thing that happened to a payment or
 * refund, and the money that moved according to it alone.
 */
import type { ChargeLedgerKind } from './payment.ts';
import type { RefundLedgerKind } from './refund.ts';

export type LedgerKind = ChargeLedgerKind | RefundLedgerKind;

export interface LedgerEntry {
  id: number;
  paymentId: string;
  refundId: string | null;
  orderId: string;
  kind: LedgerKind;
  amountMinor: number;
  currency: string;
  detail: Record<string, unknown>;
  recordedAt: string;
}

export interface NewLedgerEntry {
  paymentId: string;
  refundId?: string;
  orderId: string;
  kind: LedgerKind;
  amountMinor: number;
  currency: string;
  detail?: Record<string, unknown>;
}

const CHARGED: ReadonlySet<LedgerKind> = new Set(['provider_succeeded', 'reconciled_succeeded']);
const REFUNDED: ReadonlySet<LedgerKind> = new Set(['refund_succeeded', 'refund_reconciled_succeeded']);

/** Money that moved, from the ledger alone: what the invariant checker compares with the provider. */
export function ledgerTotals(entries: LedgerEntry[]): {
  chargedMinor: number;
  refundedMinor: number;
  netMinor: number;
} {
  const sum = (kinds: ReadonlySet<LedgerKind>): number =>
    entries.filter((e) => kinds.has(e.kind)).reduce((total, e) => total + e.amountMinor, 0);
  const chargedMinor = sum(CHARGED);
  const refundedMinor = sum(REFUNDED);
  return { chargedMinor, refundedMinor, netMinor: chargedMinor - refundedMinor };
}
