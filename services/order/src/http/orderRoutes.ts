import { requireUser } from '@shop/auth';
import { AppError, type ServiceApp } from '@shop/platform';
import { orderWithHistory, toOrderView } from '../app/orderView.ts';
import { placeOrder, type PlaceOrderDeps } from '../app/placeOrder.ts';
import { IdempotencyHeaders, ListOrdersQuery, OrderParams, PlaceOrderBody } from './schemas.ts';

/** Cursor of the keyset pagination: opaque to clients (base64url of the order's sequence number). */
export function encodeCursor(seq: number): string {
  return Buffer.from(`o:${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const match = /^o:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match?.[1])
    throw new AppError('VALIDATION_FAILED', {
      detail: 'query/cursor is not a cursor this service issued',
      errors: [{ field: 'query/cursor', message: 'is not a valid cursor' }],
    });
  return Number(match[1]);
}

/** Time kept back from the caller's deadline to store and send the answer. */
const ANSWER_MARGIN_MS = 300;
/** A caller that states no deadline (not the gateway, which always does) gets this long. */
const DEFAULT_DEADLINE_MS = 10_000;

export function registerOrderRoutes(app: ServiceApp, deps: PlaceOrderDeps & { syncBudgetMs: number }): void {
  app.post(
    '/orders',
    {
      schema: { headers: IdempotencyHeaders, body: PlaceOrderBody },
      // The body is optional: none means {} (and fingerprints as {}).
      preValidation: (request, _reply, done) => {
        if (request.body === undefined || request.body === null) request.body = {};
        done();
      },
    },
    async (request, reply) => {
      const started = Date.now();
      const user = requireUser(request);
      const result = await placeOrder(deps, {
        userId: user.userId,
        email: user.email,
        clientAddress: request.clientAddress,
        idempotencyKey: request.headers['idempotency-key'],
        body: request.body ?? undefined,
        correlationId: request.id,
        syncBudgetMs: deps.syncBudgetMs,
        deadline: (request.deadline ?? started + DEFAULT_DEADLINE_MS) - ANSWER_MARGIN_MS,
      });
      if (result.replayed) void reply.header('idempotent-replayed', 'true');
      return reply.status(result.status).send(result.body);
    },
  );

  app.get('/orders', { schema: { querystring: ListOrdersQuery } }, async (request) => {
    const user = requireUser(request);
    const limit = request.query.limit ?? 20;
    const before = request.query.cursor === undefined ? undefined : decodeCursor(request.query.cursor);
    const page = await deps.store.orders.listForUser(user.userId, limit + 1, before);
    const items = page.slice(0, limit);
    const last = items.at(-1);
    return { items: items.map(toOrderView), nextCursor: page.length > limit && last ? encodeCursor(last.seq) : null };
  });

  app.get('/orders/:id', { schema: { params: OrderParams } }, async (request) => {
    const user = requireUser(request);
    const stored = await deps.store.orders.load(request.params.id.toLowerCase());
    // Another user's order is indistinguishable from none (admins see all).
    if (!stored || (stored.state.userId !== user.userId && user.role !== 'admin'))
      throw new AppError('NOT_FOUND', { detail: 'No such order' });
    return orderWithHistory(deps.store.orders, stored);
  });
}
