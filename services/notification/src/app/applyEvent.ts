import { messageFor, type NotifiableEvent } from '../domain/messages.ts';
import type { EventEffects } from '../domain/ports.ts';

/** A consumed event this service acts on, its payload already validated (events/schemas.ts). */
export type ConsumedEvent =
  | { id: string; kind: 'session-revoked'; revocation: { userId: string; sessionId: string } }
  | { id: string; kind: 'notifiable'; event: NotifiableEvent };

/**
 * What one event does: a revoked session is announced to every instance (to
 * end its live streams); a notifiable event becomes its notification and its
 * pending email, once per event id however often it is delivered.
 */
export async function applyEvent(effects: EventEffects, consumed: ConsumedEvent): Promise<void> {
  switch (consumed.kind) {
    case 'session-revoked':
      await effects.announceRevocation(consumed.revocation);
      return;
    case 'notifiable':
      await effects.record(consumed.id, messageFor(consumed.event));
      return;
  }
}
