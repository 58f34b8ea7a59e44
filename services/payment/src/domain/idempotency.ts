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

/** A provider's answer to "what did you make under this key?" (ChargeLookup, RefundLookup). */
type KeyLookup = { kind: 'found' } | { kind: 'not_found' } | { kind: 'unknown'; reason: string };

/**
 * What asking the provider by our key settles, for charges and refunds alike: what it found
 * settles by `found`. "Not found" proves nothing was made only once the attempt is old enough that
 * no request of ours can still be on its way (`oldEnough`): then `notFound`, before then nothing
 * (null). A lookup the provider could not answer settles nothing (null).
 */
export function settleByLookup<L extends KeyLookup, S>(
  lookup: L,
  oldEnough: boolean,
  settle: { found: (found: Extract<L, { kind: 'found' }>) => S; notFound: () => S },
): S | null {
  if (lookup.kind === 'found') return settle.found(lookup as Extract<L, { kind: 'found' }>);
  if (lookup.kind === 'not_found' && oldEnough) return settle.notFound();
  return null;
}
