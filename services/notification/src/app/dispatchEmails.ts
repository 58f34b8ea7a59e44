import type { Database } from '@shop/data';
import type { Logger } from '@shop/platform';
import type { Mailer } from '../adapters/mailer.ts';

interface PendingEmail {
  id: string;
  email_to: string;
  email_subject: string;
  email_text: string;
  email_message_id: string;
  email_attempts: number;
}

/**
 * Sends the emails of committed notifications and records email_sent_at.
 *
 * Why exactly one email per event: the notification row (with its email) is
 * written once per event id, in the same transaction as the inbox row, so a
 * redelivered event adds nothing. The send itself happens here, after that
 * commit, under a row lock (FOR UPDATE SKIP LOCKED: two instances never send
 * the same row at once). If the process dies after the SMTP server accepted
 * the message but before email_sent_at commits, the row is sent again, with
 * the SAME Message-ID (derived from the event id), which the receiving side
 * (our mail sink, and real MTAs/clients that dedup on Message-ID) collapses
 * into one message. At-least-once sending plus an idempotent Message-ID is
 * the strongest guarantee SMTP allows.
 */
export async function dispatchPendingEmails(
  db: Database,
  mailer: Mailer,
  from: string,
  logger: Logger,
  batch = 10,
): Promise<number> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<PendingEmail>(
      `SELECT id, email_to, email_subject, email_text, email_message_id, email_attempts FROM notifications
       WHERE email_sent_at IS NULL AND email_to IS NOT NULL AND email_next_attempt_at <= now()
       ORDER BY email_next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [batch],
    );
    for (const row of rows) {
      try {
        await mailer.send({
          from,
          to: row.email_to,
          subject: row.email_subject,
          text: row.email_text,
          messageId: row.email_message_id,
        });
        await tx.query(
          'UPDATE notifications SET email_sent_at = now(), email_attempts = email_attempts + 1, email_error = NULL WHERE id = $1',
          [row.id],
        );
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const delaySec = Math.min(600, 2 ** Math.min(row.email_attempts + 1, 10));
        logger.warn(
          { notificationId: row.id, attempt: row.email_attempts + 1, err: message },
          'email not sent; will retry',
        );
        await tx.query(
          'UPDATE notifications SET email_attempts = email_attempts + 1, email_error = $2, email_next_attempt_at = now() + make_interval(secs => $3) WHERE id = $1',
          [row.id, message.slice(0, 500), delaySec],
        );
      }
    }
    return rows.length;
  });
}

export interface EmailDispatcher {
  /** Look for pending emails now (a notification just committed). */
  kick(): void;
  stop(): Promise<void>;
}

/** Runs dispatchPendingEmails on every kick and at least every `pollIntervalMs`. */
export function startEmailDispatcher(options: {
  db: Database;
  mailer: Mailer;
  from: string;
  logger: Logger;
  pollIntervalMs: number;
}): EmailDispatcher {
  const stopping = new AbortController();
  let kicked = new AbortController();
  const run = async (): Promise<void> => {
    let failures = 0;
    while (!stopping.signal.aborted) {
      let sent = 0;
      try {
        sent = await dispatchPendingEmails(options.db, options.mailer, options.from, options.logger);
        failures = 0;
      } catch (error) {
        failures += 1;
        if (failures === 1 || failures % 20 === 0)
          options.logger.warn(
            { err: error instanceof Error ? error.message : String(error) },
            'email dispatch failed; retrying',
          );
      }
      if (sent > 0 && !kicked.signal.aborted) continue;
      if (!kicked.signal.aborted) {
        await new Promise<void>((resolve) => {
          const signal = AbortSignal.any([stopping.signal, kicked.signal]);
          const timer = setTimeout(
            resolve,
            failures > 0 ? Math.min(10_000, options.pollIntervalMs * 2 ** failures) : options.pollIntervalMs,
          );
          signal.addEventListener(
            'abort',
            () => {
              clearTimeout(timer);
              resolve();
            },
            { once: true },
          );
        });
      }
      kicked = new AbortController();
    }
  };
  const running = run();
  return {
    kick: () => kicked.abort(),
    stop: async () => {
      stopping.abort();
      await running;
    },
  };
}
