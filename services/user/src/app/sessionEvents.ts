import type { EndedSession, EventOutbox } from '../domain/ports.ts';

/**
 * The event of a session ending (log-out, refresh-token reuse, demotion), in
 * the transaction that ended it: topic `user`, type `user.session_revoked`,
 * keyed by the user, payload { userId, sessionId } where sessionId is the
 * access tokens' `sid` (the refresh-token family). Whatever a session's
 * tokens hold open (a live stream) closes on it.
 */
export async function recordSessionEnded(
  outbox: EventOutbox,
  session: EndedSession,
  correlationId: string,
): Promise<void> {
  await outbox.append({
    type: 'user.session_revoked',
    key: session.userId,
    correlationId,
    payload: { userId: session.userId, sessionId: session.familyId },
  });
}
