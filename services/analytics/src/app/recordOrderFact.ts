import { refundEffect, type ConfirmedOrder, type OrderFact, type SaleLine } from '../domain/facts.ts';

/**
 * Where the figures are kept, on the transaction of the event being handled
 * (adapters/figureWriter.ts). Every method adds to what is there.
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

/**
 * Folds one fact into the figures. Runs in the consumer's transaction with the
 * inbox insert, so each event counts once; beyond that, an order counts as
 * confirmed once even if a second confirmation event arrived under another id.
 */
export async function recordOrderFact(figures: FigureWriter, fact: OrderFact): Promise<void> {
  switch (fact.kind) {
    case 'placed':
      await figures.addOrders(fact.minute, { placed: 1, confirmed: 0 });
      return;
    case 'confirmed': {
      if (!(await figures.rememberConfirmed(fact.orderId, fact.minute, fact))) return;
      await figures.addOrders(fact.minute, { placed: 0, confirmed: 1 });
      await figures.addRevenue(fact.minute, fact.currency, { confirmedMinor: fact.totalMinor, refundedMinor: 0 });
      await figures.addSales(fact.currency, fact.lines, 1);
      return;
    }
    case 'refunded': {
      const order = await figures.confirmedOrder(fact.orderId);
      if (!order) return; // its revenue was never counted
      const effect = refundEffect(order, fact);
      if (effect.countedMinor === 0 && !effect.removeLines) return;
      if (effect.countedMinor > 0)
        await figures.addRevenue(fact.minute, fact.currency, { confirmedMinor: 0, refundedMinor: effect.countedMinor });
      if (effect.removeLines) await figures.addSales(order.currency, order.lines, -1);
      await figures.markRefunded(
        fact.orderId,
        order.refundedMinor + effect.countedMinor,
        order.linesRefunded || effect.removeLines,
      );
      return;
    }
  }
}
