// A repeated request under an idempotency key, for charges and refunds alike: find the earlier
// attempt, judge the repeat (domain/idempotency.ts), take over a pending one nobody holds, and
// answer a reused or busy key from the error catalogue.
import { AppError } from '@shop/platform';
import { judgeRepeat, type KeyVerdict } from '../domain/idempotency.ts';
import type { LeasedAttempts } from '../domain/ports.ts';

/** What judging a repeat reads of a stored attempt (a payment or a refund). */
interface StoredAttempt {
  id: string;
  fingerprint: string;
  status: string;
  leaseActive: boolean;
}

/**
 * The attempt stored under the request's key, locked, and the verdict on this repeat of it; a
 * pending attempt nobody holds is taken over (the lease is now ours). Null when the key is free.
 */
export async function repeatOf<R extends StoredAttempt>(
  rows: Pick<LeasedAttempts<R>, 'lockByKey' | 'takeLease'>,
  request: { idempotencyKey: string; fingerprint: string },
  leaseMs: number,
): Promise<{ verdict: KeyVerdict; record: R } | null> {
  const existing = await rows.lockByKey(request.idempotencyKey);
  if (!existing) return null;
  const verdict = judgeRepeat(
    { fingerprint: existing.fingerprint, pending: existing.status === 'pending', leaseActive: existing.leaseActive },
    request.fingerprint,
  );
  if (verdict.kind === 'take_over') await rows.takeLease(existing.id, leaseMs);
  return { verdict, record: existing };
}

/** A key first used with other parameters (422), or held by an attempt still running (409, retry in 1 s). */
function refuseRepeat(kind: 'mismatch' | 'in_progress', what: 'charge' | 'refund'): never {
  if (kind === 'mismatch')
    throw new AppError('IDEMPOTENCY_KEY_REUSED', {
      detail: `This Idempotency-Key was first used with a different ${what}`,
    });
  throw new AppError('REQUEST_IN_PROGRESS', {
    retryAfter: 1,
    detail: `A ${what} with this Idempotency-Key is still being processed`,
  });
}

/** What beginning an attempt under a key said: a new attempt (with `Extra` for sending it), or the verdict on a repeat. */
export type Begun<R, Extra = object> = ({ kind: 'created'; record: R } & Extra) | (KeyVerdict & { record: R });

/**
 * Carries an attempt on from what beginning it said: a reused or busy key is refused, a settled
 * repeat is replayed, a pending one nobody held is settled by asking the provider (`settleLost`,
 * never sending again), and a new one is sent (`send`).
 */
export async function carryOn<R, Extra>(
  begun: Begun<R, Extra>,
  what: 'charge' | 'refund',
  steps: { settleLost: (record: R) => Promise<R>; send: (created: { record: R } & Extra) => Promise<R> },
): Promise<{ record: R; replayed: boolean }> {
  switch (begun.kind) {
    case 'mismatch':
    case 'in_progress':
      return refuseRepeat(begun.kind, what);
    case 'replay':
      return { record: begun.record, replayed: true };
    case 'take_over':
      return { record: await steps.settleLost(begun.record), replayed: true };
    case 'created':
      return { record: await steps.send(begun), replayed: false };
  }
}
