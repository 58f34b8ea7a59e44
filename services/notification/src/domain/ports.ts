/**
 * What the notification use cases and routes need from the outside world, as
 * ports: adapters/ implements them (the service's database, SMTP), and
 * createApp.ts wires them.
 */
import type { EmailContent, Message, NotificationContent } from './messages.ts';

/** A notification as its owner reads it. */
export interface NotificationView extends NotificationContent {
  id: string;
  read: boolean;
  readAt: string | null;
  createdAt: string;
}

/** A user's notifications, for the routes; every read is confined to the given user's own. */
export interface NotificationStore {
  /** Newest first, after `cursor` (the last id of the previous page). */
  list(
    userId: string,
    options: { limit: number; cursor?: string | undefined; unread?: boolean | undefined },
  ): Promise<{ items: NotificationView[]; nextCursor: string | null }>;
  get(userId: string, id: string): Promise<NotificationView | undefined>;
  /** Created after `afterId`, oldest first (a stream resuming from Last-Event-ID). */
  since(userId: string, afterId: string, limit?: number): Promise<NotificationView[]>;
  markRead(userId: string, id: string): Promise<NotificationView | undefined>;
}

/** The side effects of one consumed event, on the consumer's transaction (they commit with its inbox row). */
export interface EventEffects {
  /** Records the notification (and its pending email) for an event; one per event id; listeners hear of it at commit. */
  record(eventId: string, message: Message): Promise<void>;
  /** Tells every instance, at commit, that a session was revoked, so each ends its streams of it. */
  announceRevocation(revocation: { userId: string; sessionId: string }): Promise<void>;
}

export interface OutgoingEmail extends EmailContent {
  from: string;
  /** Fixed per event: a re-send is recognisably the same message. */
  messageId: string;
}

export interface Mailer {
  send(email: OutgoingEmail): Promise<void>;
  close(): void;
}

/** A committed notification whose email is due. */
export interface PendingEmail extends Omit<OutgoingEmail, 'from'> {
  id: string;
  /** Sends tried so far. */
  attempts: number;
}

/** Due emails claimed for one pass: others skip them until the pass ends; outcomes are recorded with the claim. */
export interface ClaimedEmails {
  emails: PendingEmail[];
  sent(id: string): Promise<void>;
  failed(id: string, error: string, retryInSec: number): Promise<void>;
}

/** The emails of committed notifications not sent yet. */
export interface EmailQueue {
  /** Claims up to `limit` due emails (oldest due first) for `work`; claim and outcomes commit together. */
  claim<T>(limit: number, work: (batch: ClaimedEmails) => Promise<T>): Promise<T>;
}

/** Where a use case says what went wrong (the service's logger). */
export interface Log {
  warn(fields: Record<string, unknown>, message: string): void;
}
