/**
 * Vector clocks, for telling concurrent updates apart from ordered ones (the
 * HLC orders everything, so it cannot say "these two did not see each other").
 * Immutable: every operation returns a new clock.
 */
export type VectorClock = Readonly<Record<string, number>>;

export type VectorOrder = 'before' | 'after' | 'equal' | 'concurrent';

export function increment(clock: VectorClock, node: string): VectorClock {
  return { ...clock, [node]: (clock[node] ?? 0) + 1 };
}

/** The least clock that has seen both. */
export function merge(a: VectorClock, b: VectorClock): VectorClock {
  const out: Record<string, number> = { ...a };
  for (const [node, count] of Object.entries(b)) out[node] = Math.max(out[node] ?? 0, count);
  return out;
}

/** How `a` relates to `b`: before (b saw all of a), after, equal, or concurrent. */
export function compare(a: VectorClock, b: VectorClock): VectorOrder {
  let less = false;
  let greater = false;
  for (const node of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[node] ?? 0;
    const y = b[node] ?? 0;
    if (x < y) less = true;
    if (x > y) greater = true;
  }
  if (less && greater) return 'concurrent';
  if (less) return 'before';
  if (greater) return 'after';
  return 'equal';
}
