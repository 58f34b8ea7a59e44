import { isIP } from 'node:net';

/**
 * The card-testing limit (issue 13): a fraudster with stolen card numbers
 * uses checkout to learn which cards work, so most of their checkouts are
 * declined. After `max` declined payments within the sliding window, a user
 * (or a client address, across all the accounts it makes) may not start
 * another checkout until the oldest of those declines leaves the window.
 * Only a decline counts: a card the issuer refused. A successful payment, an
 * out-of-stock cancel or a provider error is no sign of card testing.
 * Pure: the caller reads the declines and keeps them.
 */
export interface DeclinePolicy {
  max: number;
  windowMs: number;
}

export type DeclineScope = 'user' | 'address';

export type CheckoutAdmission = { allowed: true } | { allowed: false; scope: DeclineScope; retryAfterSec: number };

/** The declines each scope saw: epoch ms, any order; the newest `max` within the window are all it takes. */
export interface RecentDeclines {
  user: readonly number[];
  /** Absent when the client's address is unknown. */
  address?: readonly number[];
}

/**
 * Whether one scope may check out now, and if not, in how many seconds: when
 * enough of its declines have left the window that fewer than `max` remain.
 */
export function judgeDeclines(
  declinedAt: readonly number[],
  now: number,
  policy: DeclinePolicy,
): { allowed: true } | { allowed: false; retryAfterSec: number } {
  // Newest first; a decline stamped ahead of this clock (another instance's) still counts.
  const inWindow = declinedAt.filter((at) => at > now - policy.windowMs).sort((a, b) => b - a);
  const decisive = inWindow[policy.max - 1];
  if (decisive === undefined) return { allowed: true };
  return { allowed: false, retryAfterSec: Math.max(1, Math.ceil((decisive + policy.windowMs - now) / 1000)) };
}

/** Both scopes must allow it; refused, the answer names the scope that keeps it refused longest. */
export function admitCheckout(
  recent: RecentDeclines,
  now: number,
  limits: Record<DeclineScope, DeclinePolicy>,
): CheckoutAdmission {
  let refusal: CheckoutAdmission = { allowed: true };
  const scopes: Array<[DeclineScope, readonly number[] | undefined]> = [
    ['user', recent.user],
    ['address', recent.address],
  ];
  for (const [scope, declinedAt] of scopes) {
    if (!declinedAt) continue;
    const verdict = judgeDeclines(declinedAt, now, limits[scope]);
    if (!verdict.allowed && (refusal.allowed || verdict.retryAfterSec > refusal.retryAfterSec))
      refusal = { allowed: false, scope, retryAfterSec: verdict.retryAfterSec };
  }
  return refusal;
}

/**
 * What a client address counts under: an IPv4 address as it is (an
 * IPv4-mapped IPv6 one as its IPv4), an IPv6 address as its /64, the block
 * one subscriber is given, so rotating through it does not escape the limit.
 * null when it is not an IP address.
 */
export function addressKey(address: string): string | null {
  const kind = isIP(address);
  if (kind === 4) return address;
  if (kind !== 6) return null;
  const groups = expandIpv6(address.toLowerCase().split('%')[0]!);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` filled in, a dotted IPv4 tail split in two). */
function expandIpv6(address: string): number[] {
  const toGroups = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((g) => {
          if (!g.includes('.')) return [parseInt(g, 16)];
          const [a, b, c, d] = g.split('.').map(Number) as [number, number, number, number];
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head = '', tail] = address.split('::');
  const left = toGroups(head);
  if (tail === undefined) return left;
  const right = toGroups(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}
