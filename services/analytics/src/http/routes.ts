import { requireAdmin } from '@shop/auth';
import { AppError, type ServiceApp } from '@shop/platform';
import type { FigureReader } from '../domain/ports.ts';
import { summarise } from '../domain/summary.ts';
import { resolveWindow, WindowError } from '../domain/window.ts';
import { SummaryQuery, SummaryResponse, TopProductsQuery, TopProductsResponse } from './schemas.ts';

export interface AnalyticsRoutesDeps {
  figures: FigureReader;
  now: () => Date;
}

/**
 * Admin only: GET /analytics/summary?from=&to= and GET /analytics/top-products?limit=&by=&currency=.
 * The admin check runs before the query is validated, so a customer learns
 * only that the route is not theirs (403), never what a valid query looks like.
 */
export function registerAnalyticsRoutes(app: ServiceApp, deps: AnalyticsRoutesDeps): void {
  const adminOnly = (request: Parameters<typeof requireAdmin>[0], _reply: unknown, done: () => void): void => {
    requireAdmin(request);
    done();
  };

  app.get(
    '/analytics/summary',
    { preValidation: adminOnly, schema: { querystring: SummaryQuery, response: { 200: SummaryResponse } } },
    async (request) => {
      const window = windowOf(request.query, deps.now());
      const [counts, revenue, allTime] = await Promise.all([
        deps.figures.minuteCounts(window),
        deps.figures.minuteRevenue(window),
        deps.figures.revenueAllTime(),
      ]);
      return summarise(window, counts, revenue, allTime);
    },
  );

  app.get(
    '/analytics/top-products',
    { preValidation: adminOnly, schema: { querystring: TopProductsQuery, response: { 200: TopProductsResponse } } },
    async (request) => {
      const { limit, by, currency } = request.query;
      return { by, items: await deps.figures.topProducts({ limit, by, currency }) };
    },
  );
}

function windowOf(
  query: { from?: string | undefined; to?: string | undefined },
  now: Date,
): ReturnType<typeof resolveWindow> {
  try {
    return resolveWindow(query, now);
  } catch (error) {
    if (!(error instanceof WindowError)) throw error;
    throw new AppError('VALIDATION_FAILED', {
      detail: `query/${error.field} ${error.message}`,
      errors: [{ field: `query/${error.field}`, message: error.message }],
    });
  }
}
