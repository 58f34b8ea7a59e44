import type { Queryable } from '@shop/data';
import { NOTIFY_CHANNEL } from './notificationRepository.ts';

export interface SessionRevocation {
  userId: string;
  sessionId: string;
}

const TYPE = 'session-revoked';

/**
 * Tells every instance, once `tx` commits, that a session was revoked, so each
 * ends its own streams of it. The consumer group hands a user.session_revoked
 * event to one instance only; NOTIFY reaches all of them (they share this
 * database), on the channel the live feed already listens on: no second held
 * connection. The payload has no `id`, so LiveFeed.publish passes over it.
 */
export async function announceRevocation(tx: Queryable, revocation: SessionRevocation): Promise<void> {
  await tx.query('SELECT pg_notify($1, $2)', [
    NOTIFY_CHANNEL,
    JSON.stringify({ type: TYPE, userId: revocation.userId, sessionId: revocation.sessionId }),
  ]);
}

/** The revocation a NOTIFY payload announces; undefined for anything else (a notification's payload, junk). */
export function parseRevocation(payload: string): SessionRevocation | undefined {
  let message: unknown;
  try {
    message = JSON.parse(payload);
  } catch {
    return undefined;
  }
  const { type, userId, sessionId } = (message ?? {}) as { type?: unknown; userId?: unknown; sessionId?: unknown };
  if (type !== TYPE || typeof userId !== 'string' || typeof sessionId !== 'string') return undefined;
  return { userId, sessionId };
}
