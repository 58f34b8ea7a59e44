import type { Database, Queryable } from '@shop/data';
import { v7 as uuidv7 } from 'uuid';
import type { Message } from '../domain/messages.ts';

export const NOTIFY_CHANNEL = 'notifications';

export interface NotificationView {
  id: string;
  kind: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  read: boolean;
  readAt: string | null;
  createdAt: string;
}

interface Row {
  id: string;
  kind: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  read_at: Date | null;
  created_at: Date;
}

const COLUMNS = 'id, kind, title, body, data, read_at, created_at';

export function toView(row: Row): NotificationView {
  return {
    id: row.id,
    kind: row.kind,
    title: row.title,
    body: row.body,
    data: row.data,
    read: row.read_at !== null,
    readAt: row.read_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
  };
}

/** The email's Message-ID: derived from the event, so every (re)send of it carries the same one. */
export function messageIdFor(eventId: string): string {
  return `<${eventId}@notification.shop.local>`;
}

export class NotificationRepository {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /**
   * Records the notification (and its pending email) for an event, on the
   * handler's transaction; tells listeners once it commits. One per event id.
   */
  static async record(tx: Queryable, eventId: string, message: Message): Promise<void> {
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

  /** The user's notifications, newest first, after `cursor` (the last id of the previous page). */
  async list(
    userId: string,
    options: { limit: number; cursor?: string; unread?: boolean },
  ): Promise<{ items: NotificationView[]; nextCursor: string | null }> {
    const { rows } = await this.#db.query<Row>(
      `SELECT ${COLUMNS} FROM notifications WHERE user_id = $1 AND ($2::uuid IS NULL OR id < $2::uuid) AND (NOT $3::boolean OR read_at IS NULL)
       ORDER BY id DESC LIMIT $4`,
      [userId, options.cursor ?? null, options.unread ?? false, options.limit + 1],
    );
    const page = rows.slice(0, options.limit);
    return { items: page.map(toView), nextCursor: rows.length > options.limit ? (page.at(-1)?.id ?? null) : null };
  }

  /** One notification, only if it is the user's. */
  async get(userId: string, id: string): Promise<NotificationView | undefined> {
    const { rows } = await this.#db.query<Row>(`SELECT ${COLUMNS} FROM notifications WHERE id = $1 AND user_id = $2`, [
      id,
      userId,
    ]);
    return rows[0] ? toView(rows[0]) : undefined;
  }

  /** The user's notifications created after `afterId`, oldest first (a stream resuming from Last-Event-ID). */
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
