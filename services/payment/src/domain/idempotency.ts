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
