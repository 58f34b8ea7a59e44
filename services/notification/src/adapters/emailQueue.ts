import type { Database, Queryable } from '@shop/data';
import type { ClaimedEmails, EmailQueue, PendingEmail } from '../domain/ports.ts';

/**
 * The pending emails are columns of the notifications table. A claim is a
 * transaction holding the rows FOR UPDATE SKIP LOCKED: two instances never
 * send the same email at once, and neither waits for the other.
 */
export class SqlEmailQueue implements EmailQueue {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  claim<T>(limit: number, work: (batch: ClaimedEmails) => Promise<T>): Promise<T> {
    return this.#db.transaction(async (tx) => {
      const { rows } = await tx.query<PendingEmail>(
        `SELECT id, email_to AS "to", email_subject AS subject, email_text AS text, email_message_id AS "messageId",
                email_attempts AS attempts
         FROM notifications
         WHERE email_sent_at IS NULL AND email_to IS NOT NULL AND email_next_attempt_at <= now()
         ORDER BY email_next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      return work(claimed(tx, rows));
    });
  }
}

function claimed(tx: Queryable, emails: PendingEmail[]): ClaimedEmails {
  return {
    emails,
    async sent(id) {
      await tx.query(
        'UPDATE notifications SET email_sent_at = now(), email_attempts = email_attempts + 1, email_error = NULL WHERE id = $1',
        [id],
      );
    },
    async failed(id, error, retryInSec) {
      await tx.query(
        'UPDATE notifications SET email_attempts = email_attempts + 1, email_error = $2, email_next_attempt_at = now() + make_interval(secs => $3) WHERE id = $1',
        [id, error, retryInSec],
      );
    },
  };
}
