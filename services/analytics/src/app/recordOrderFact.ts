import { refundEffect, type OrderFact } from '../domain/facts.ts';
import type { FigureWriter } from '../domain/ports.ts';

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
