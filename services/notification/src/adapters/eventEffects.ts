import type { Queryable } from '@shop/data';
import type { EventEffects } from '../domain/ports.ts';
import { recordNotification } from './notificationRepository.ts';
import { announceRevocation } from './sessionRevocations.ts';

/** The effects of one consumed event, on the consumer's transaction (they commit with its inbox row, or not at all). */
export function eventEffects(tx: Queryable): EventEffects {
  return {
    record: (eventId, message) => recordNotification(tx, eventId, message),
    announceRevocation: (revocation) => announceRevocation(tx, revocation),
  };
}
