import type { EventHandler } from '@shop/events';
import { messageFor } from '../domain/messages.ts';
import { NotificationRepository } from '../adapters/notificationRepository.ts';
import { parseNotifiable } from './schemas.ts';

/**
 * The notification group's handler for topics 'user' and 'order'. Runs in the
 * consumer's transaction together with the inbox insert: the notification row
 * (and the email it carries, pending) exist once per event, however often the
 * event is delivered. Types this service does not notify about are skipped.
 */
export const handleEvent: EventHandler = async (event, tx) => {
  const notifiable = parseNotifiable(event.type, event.payload);
  if (!notifiable) return;
  await NotificationRepository.record(tx, event.id, messageFor(notifiable));
};

export const SUBSCRIBED_TOPICS = ['user', 'order'] as const;
