/**
 * The time window a summary covers: minutes whose start lies in [from, to).
 * Defaults: `to` is now, `from` one hour before `to`. A window is at most
 * MAX_WINDOW_MINUTES long and `from` comes before `to`; anything else is a
 * WindowError naming the field to fix.
 */
export const DEFAULT_WINDOW_MINUTES = 60;
export const MAX_WINDOW_MINUTES = 31 * 24 * 60;

export interface TimeWindow {
  from: Date;
  to: Date;
}

export class WindowError extends Error {
  override name = 'WindowError';
  readonly field: 'from' | 'to';
  constructor(field: 'from' | 'to', message: string) {
    super(message);
    this.field = field;
  }
}

export function resolveWindow(query: { from?: string | undefined; to?: string | undefined }, now: Date): TimeWindow {
  const to = query.to === undefined ? now : instant('to', query.to);
  const from =
    query.from === undefined ? new Date(to.getTime() - DEFAULT_WINDOW_MINUTES * 60_000) : instant('from', query.from);
  if (from.getTime() >= to.getTime()) throw new WindowError('from', 'must be before to');
  if (to.getTime() - from.getTime() > MAX_WINDOW_MINUTES * 60_000)
    throw new WindowError('from', `must be at most ${MAX_WINDOW_MINUTES} minutes (31 days) before to`);
  return { from, to };
}

/** Whole minutes in the window, at least 1: what per-minute averages divide by. */
export function windowMinutes(window: TimeWindow): number {
  return Math.max(1, Math.ceil((window.to.getTime() - window.from.getTime()) / 60_000));
}

const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59);

// A string the schema let through as a date-time may still name no instant
// (a leap second "23:59:60Z"), or one the database cannot compare (year 0).
function instant(field: 'from' | 'to', text: string): Date {
  const date = new Date(text);
  if (!Number.isFinite(date.getTime()))
    throw new WindowError(field, 'must be an RFC 3339 date-time, e.g. 2026-11-30T10:00:00Z');
  if (date.getTime() < EARLIEST || date.getTime() > LATEST)
    throw new WindowError(field, 'must be between 1970-01-01 and 9999-12-31');
  return date;
}
