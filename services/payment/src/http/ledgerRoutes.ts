import type { ServiceApp } from '@shop/platform';
import type { PaymentDeps } from '../app/deps.ts';
import { ledgerTotals } from '../domain/ledger.ts';
import { LedgerQuery } from './schemas.ts';

/** The append-only ledger of one order, with the money that moved: for tests and the invariant checker. */
export function registerLedgerRoutes(app: ServiceApp, deps: PaymentDeps): void {
  app.get(
    '/payments/ledger',
    { config: { callers: ['order', 'launcher'] }, schema: { querystring: LedgerQuery } },
    async (request) => {
      const entries = await deps.store.ledger.forOrder(request.query.orderId);
      return { orderId: request.query.orderId, entries, totals: ledgerTotals(entries) };
    },
  );
}
