/**
 * What the analytics use cases and routes need from storage, as ports: the
 * adapters (adapters/figureWriter.ts, adapters/figureReader.ts) implement them
 * over the service's own database; createApp.ts wires them.
 */
import type { ConfirmedOrder, SaleLine } from './facts.ts';
import type { MinuteCounts, RevenueRow } from './summary.ts';
import type { TimeWindow } from './window.ts';

/**
 * Where the figures are kept, on the transaction of the event being handled.
 * Every method adds to what is there.
 */
export interface FigureWriter {
  addOrders(minute: Date, counts: { placed: number; confirmed: number }): Promise<void>;
  addRevenue(minute: Date, currency: string, amounts: { confirmedMinor: number; refundedMinor: number }): Promise<void>;
  addSales(currency: string, lines: readonly SaleLine[], sign: 1 | -1): Promise<void>;
  /** Remembers a confirmed order; false when it was already remembered. */
  rememberConfirmed(
    orderId: string,
    minute: Date,
    order: { currency: string; totalMinor: number; lines: readonly SaleLine[] },
  ): Promise<boolean>;
  /** The remembered order, locked until the transaction ends; undefined if it was never confirmed. */
  confirmedOrder(orderId: string): Promise<(ConfirmedOrder & { lines: SaleLine[] }) | undefined>;
  markRefunded(orderId: string, refundedMinor: number, linesRefunded: boolean): Promise<void>;
}

export interface ProductFigures {
  productId: string;
  name: string | null;
  currency: string;
  units: number;
  revenueMinor: number;
}

export type ProductRanking = 'units' | 'revenue';

/** Reads the figures the consumer keeps. */
export interface FigureReader {
  minuteCounts(window: TimeWindow): Promise<MinuteCounts[]>;
  minuteRevenue(window: TimeWindow): Promise<Array<RevenueRow & { minute: Date }>>;
  revenueAllTime(): Promise<RevenueRow[]>;
  /** The best sellers, by units or by revenue (comparable within one currency: pass it), ties broken by product id. */
  topProducts(options: { limit: number; by: ProductRanking; currency?: string | undefined }): Promise<ProductFigures[]>;
}
