/**
 * What a repeated request with a known key gets: a different request under the
 * key is refused; a settled one is replayed; one still being worked on (live
 * lease) is "in progress"; a pending one nobody holds is taken over, which
 * means settling it by asking the provider, never charging again.
 */
export type KeyVerdict = { kind: 'mismatch' } | { kind: 'replay' } | { kind: 'in_progress' } | { kind: 'take_over' };

export function judgeRepeat(
  existing: { fingerprint: string; pending: boolean; leaseActive: boolean },
  fingerprint: string,
): KeyVerdict {
  if (existing.fingerprint !== fingerprint) return { kind: 'mismatch' };
  if (!existing.pending) return { kind: 'replay' };
  return existing.leaseActive ? { kind: 'in_progress' } : { kind: 'take_over' };
}

/** A settled payment or refund was asked to change again. */
export class InvalidTransitionError extends Error {
  override name = 'InvalidTransitionError';
}

/** Only a pending attempt moves: a settled payment or refund never changes again. */
export function assertPending(what: 'payment' | 'refund', status: string): void {
  if (status !== 'pending') throw new InvalidTransitionError(`A ${status} ${what} is settled; it cannot change again`);
}

/** A provider's answer to "what did you make under this key?" (ChargeLookup, RefundLookup). */
type KeyLookup = { kind: 'found' } | { kind: 'not_found' } | { kind: 'unknown'; reason: string };

/** What a lookup settles a pending attempt to, or null when it settles nothing. */
export type SettleByLookup<Status, L, S> = (current: Status, lookup: L, oldEnough: boolean) => S | null;

/**
 * What asking the provider by our key settles, for charges and refunds alike: what it found
 * settles by `found`. "Not found" proves nothing was made only once the attempt is old enough that
 * no request of ours can still be on its way (`oldEnough`): then `notFound`, before then nothing
 * (null). A lookup the provider could not answer settles nothing (null). Only a pending attempt
 * settles.
 */
export function settlesByLookup<Status extends string, L extends KeyLookup, S>(
  what: 'payment' | 'refund',
  settle: { found: (found: Extract<L, { kind: 'found' }>) => S; notFound: () => S },
): SettleByLookup<Status, L, S> {
  return (current, lookup, oldEnough) => {
    assertPending(what, current);
    if (lookup.kind === 'found') return settle.found(lookup as Extract<L, { kind: 'found' }>);
    if (lookup.kind === 'not_found' && oldEnough) return settle.notFound();
    return null;
  };
}
