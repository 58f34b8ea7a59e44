import type { Database, Queryable } from '@shop/data';
import { v7 as uuidv7 } from 'uuid';
import type { Message } from '../domain/messages.ts';
import type { NotificationStore, NotificationView } from '../domain/ports.ts';

/** The channel every instance listens on: a committed notification, or a revoked session (sessionRevocations.ts). */
export const NOTIFY_CHANNEL = 'notifications';

/** A notifications row: the view's fields, its times as read (dates) under the view's names. */
type Row = Omit<NotificationView, 'read' | 'readAt' | 'createdAt'> & { readAt: Date | null; createdAt: Date };

const COLUMNS = 'id, kind, title, body, data, read_at AS "readAt", created_at AS "createdAt"';

function toView(row: Row): NotificationView {
  const { readAt, createdAt, ...fields } = row;
  return {
    ...fields,
    read: readAt !== null,
    readAt: readAt?.toISOString() ?? null,
    createdAt: createdAt.toISOString(),
  };
}

/** The email's Message-ID: derived from the event, so every (re)send of it carries the same one. */
export function messageIdFor(eventId: string): string {
  return `<${eventId}@notification.shop.local>`;
}

/**
 * Records the notification (and its pending email) for an event, on the
 * handler's transaction; tells listeners once it commits. One per event id.
 */
export async function recordNotification(tx: Queryable, eventId: string, message: Message): Promise<void> {
  const id = uuidv7();
  const { rowCount } = await tx.query(
    `INSERT INTO notifications (id, user_id, event_id, kind, title, body, data, email_to, email_subject, email_text, email_message_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (event_id) DO NOTHING`,
    [
      id,
      message.userId,
      eventId,
      message.kind,
      message.title,
      message.body,
      JSON.stringify(message.data),
      message.email.to,
      message.email.subject,
      message.email.text,
      messageIdFor(eventId),
    ],
  );
  if (rowCount)
    await tx.query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNEL, JSON.stringify({ id, userId: message.userId })]);
}

/** The notifications table, read and marked by its owners. */
export class SqlNotificationStore implements NotificationStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async list(
    userId: string,
    options: { limit: number; cursor?: string | undefined; unread?: boolean | undefined },
  ): Promise<{ items: NotificationView[]; nextCursor: string | null }> {
    const { rows } = await this.#db.query<Row>(
      `SELECT ${COLUMNS} FROM notifications WHERE user_id = $1 AND ($2::uuid IS NULL OR id < $2::uuid) AND (NOT $3::boolean OR read_at IS NULL)
       ORDER BY id DESC LIMIT $4`,
      [userId, options.cursor ?? null, options.unread ?? false, options.limit + 1],
    );
    const page = rows.slice(0, options.limit);
    return { items: page.map(toView), nextCursor: rows.length > options.limit ? (page.at(-1)?.id ?? null) : null };
  }

  async get(userId: string, id: string): Promise<NotificationView | undefined> {
    const { rows } = await this.#db.query<Row>(`SELECT ${COLUMNS} FROM notifications WHERE id = $1 AND user_id = $2`, [
      id,
      userId,
    ]);
    return rows[0] ? toView(rows[0]) : undefined;
  }

  async since(userId: string, afterId: string, limit = 100): Promise<NotificationView[]> {
    const { rows } = await this.#db.query<Row>(
      `SELECT ${COLUMNS} FROM notifications WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
      [userId, afterId, limit],
    );
    return rows.map(toView);
  }

  async markRead(userId: string, id: string): Promise<NotificationView | undefined> {
    const { rows } = await this.#db.query<Row>(
      `UPDATE notifications SET read_at = coalesce(read_at, now()) WHERE id = $1 AND user_id = $2 RETURNING ${COLUMNS}`,
      [id, userId],
    );
    return rows[0] ? toView(rows[0]) : undefined;
  }
}
