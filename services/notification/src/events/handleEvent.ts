import type { EventHandler } from '@shop/events';
import { eventEffects } from '../adapters/eventEffects.ts';
import { applyEvent } from '../app/applyEvent.ts';
import { parseNotifiable, parseSessionRevoked, SESSION_REVOKED } from './schemas.ts';

/**
 * The notification group's handler for topics 'user' and 'order'. Runs in the
 * consumer's transaction together with the inbox insert: the notification row
 * (and the email it carries, pending) exist once per event, however often the
 * event is delivered. A revoked session is announced to every instance on
 * commit, to end its live streams. Types this service does not act on are skipped.
 */
export const handleEvent: EventHandler = async (event, tx) => {
  if (event.type === SESSION_REVOKED) {
    const revocation = parseSessionRevoked(event.payload);
    await applyEvent(eventEffects(tx), { id: event.id, kind: 'session-revoked', revocation });
    return;
  }
  const notifiable = parseNotifiable(event.type, event.payload);
  if (notifiable) await applyEvent(eventEffects(tx), { id: event.id, kind: 'notifiable', event: notifiable });
};

export const SUBSCRIBED_TOPICS = ['user', 'order'] as const;
