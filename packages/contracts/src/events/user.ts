/**
 * The user service's events (topic `user`, keyed by user id). Read by
 * notification: a welcome e-mail, and the end of a revoked session's streams.
 */
import { Type } from 'typebox';
import { Email, Uuid } from '../common.ts';
import { defineEvent, TOPICS } from './define.ts';

export const UserRegistered = defineEvent(
  TOPICS.user,
  'user.registered',
  Type.Object({ userId: Uuid, email: Email, name: Type.String({ maxLength: 200 }) }),
);

/** A session (refresh-token family) was revoked: its live streams end. */
export const UserSessionRevoked = defineEvent(
  TOPICS.user,
  'user.session_revoked',
  Type.Object({ userId: Uuid, sessionId: Uuid }),
);

export const USER_EVENTS = {
  'user.registered': UserRegistered,
  'user.session_revoked': UserSessionRevoked,
} as const;
