import { AppError } from '@shop/platform';

export interface StreamLimits {
  /** Live streams one user may hold open through this gateway instance. */
  perUser: number;
  /** Live streams this gateway instance holds for everyone. */
  total: number;
}

export interface StreamSlots {
  /** Takes a slot for the user's new stream, or throws RATE_LIMITED (the user's cap) or OVERLOADED (everyone's). Returns its release. */
  take(userId: string): () => void;
  readonly open: number;
}

/**
 * Caps on event streams held open through the gateway. A stream holds a
 * client connection, an upstream connection and memory for as long as the
 * client likes; without a cap one customer opened 256 and starved every other
 * user's calls to the notification service (issue 13, attack 4).
 */
export function createStreamSlots(limits: StreamLimits): StreamSlots {
  const byUser = new Map<string, number>();
  let open = 0;
  return {
    take(userId) {
      const mine = byUser.get(userId) ?? 0;
      if (mine >= limits.perUser)
        throw new AppError('RATE_LIMITED', {
          retryAfter: 5,
          detail: `At most ${limits.perUser} live streams per user; close one first`,
        });
      if (open >= limits.total)
        throw new AppError('OVERLOADED', {
          retryAfter: 5,
          detail: 'Too many live streams right now; try again shortly',
        });
      byUser.set(userId, mine + 1);
      open += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        open -= 1;
        const left = (byUser.get(userId) ?? 1) - 1;
        if (left === 0) byUser.delete(userId);
        else byUser.set(userId, left);
      };
    },
    get open() {
      return open;
    },
  };
}
