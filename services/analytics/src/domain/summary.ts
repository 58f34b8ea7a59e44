import { windowMinutes, type TimeWindow } from './window.ts';

/**
 * The figures of a time window, shaped for the API from the stored per-minute
 * rows. Pure. Revenue never mixes currencies: each is its own row; net is
 * confirmed minus refunded. Minutes without activity are left out of
 * `perMinute` (a sparse series, oldest first); the per-minute rates average
 * over the whole window.
 */
export interface MinuteCounts {
  minute: Date;
  placed: number;
  confirmed: number;
}

export interface RevenueRow {
  currency: string;
  confirmedMinor: number;
  refundedMinor: number;
}

export interface CurrencyRevenue extends RevenueRow {
  netMinor: number;
}

export interface MinuteFigures {
  minute: string;
  ordersPlaced: number;
  ordersConfirmed: number;
  revenue: CurrencyRevenue[];
}

export interface Summary {
  from: string;
  to: string;
  totals: {
    ordersPlaced: number;
    ordersConfirmed: number;
    placedPerMinute: number;
    confirmedPerMinute: number;
    revenue: CurrencyRevenue[];
  };
  perMinute: MinuteFigures[];
  allTime: { revenue: CurrencyRevenue[] };
}

export function summarise(
  window: TimeWindow,
  counts: readonly MinuteCounts[],
  revenue: ReadonlyArray<RevenueRow & { minute: Date }>,
  allTime: readonly RevenueRow[],
): Summary {
  const minutes = new Map<number, MinuteFigures>();
  const at = (minute: Date): MinuteFigures => {
    let figures = minutes.get(minute.getTime());
    if (!figures) {
      figures = { minute: minute.toISOString(), ordersPlaced: 0, ordersConfirmed: 0, revenue: [] };
      minutes.set(minute.getTime(), figures);
    }
    return figures;
  };
  for (const c of counts) {
    const figures = at(c.minute);
    figures.ordersPlaced += c.placed;
    figures.ordersConfirmed += c.confirmed;
  }
  for (const r of revenue) at(r.minute).revenue.push(withNet(r));
  const perMinute = [...minutes.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, figures]) => ({ ...figures, revenue: byCurrency(figures.revenue) }));
  const ordersPlaced = sum(counts.map((c) => c.placed));
  const ordersConfirmed = sum(counts.map((c) => c.confirmed));
  const span = windowMinutes(window);
  return {
    from: window.from.toISOString(),
    to: window.to.toISOString(),
    totals: {
      ordersPlaced,
      ordersConfirmed,
      placedPerMinute: rate(ordersPlaced, span),
      confirmedPerMinute: rate(ordersConfirmed, span),
      revenue: byCurrency(revenue.map(withNet)),
    },
    perMinute,
    allTime: { revenue: byCurrency(allTime.map(withNet)) },
  };
}

function withNet(r: RevenueRow): CurrencyRevenue {
  return {
    currency: r.currency,
    confirmedMinor: r.confirmedMinor,
    refundedMinor: r.refundedMinor,
    netMinor: r.confirmedMinor - r.refundedMinor,
  };
}

/** Rows of one currency added up; currencies in alphabetical order. */
function byCurrency(rows: readonly CurrencyRevenue[]): CurrencyRevenue[] {
  const totals = new Map<string, RevenueRow>();
  for (const r of rows) {
    const t = totals.get(r.currency) ?? { currency: r.currency, confirmedMinor: 0, refundedMinor: 0 };
    t.confirmedMinor += r.confirmedMinor;
    t.refundedMinor += r.refundedMinor;
    totals.set(r.currency, t);
  }
  return [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency)).map(withNet);
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** Per minute, to 3 decimals. */
function rate(count: number, minutes: number): number {
  return Math.round((count / minutes) * 1000) / 1000;
}
