import type { EmailQueue, Log, Mailer, PendingEmail } from '../domain/ports.ts';

/** What one dispatch pass needs. */
export interface EmailDispatch {
  queue: EmailQueue;
  mailer: Mailer;
  /** The From of every email. */
  from: string;
  log: Log;
  /** Emails claimed per pass (default 10). */
  batch?: number;
}

/** How long a failed email waits before its next try: doubling per attempt, at most 10 minutes. */
export function retryDelaySec(attempts: number): number {
  return Math.min(600, 2 ** Math.min(attempts + 1, 10));
}

/**
 * Sends the emails of committed notifications and records that they were
 * sent; returns how many were claimed.
 *
 * Why exactly one email per event: the notification (with its email) is
 * written once per event id, in the same transaction as the inbox row, so a
 * redelivered event adds nothing. The send itself happens here, after that
 * commit, under the queue's claim (two instances never send the same email at
 * once). If the process dies after the SMTP server accepted the message but
 * before the sent mark commits, the email is sent again, with the SAME
 * Message-ID (derived from the event id), which the receiving side (our mail
 * sink, and real MTAs/clients that dedup on Message-ID) collapses into one
 * message. At-least-once sending plus an idempotent Message-ID is the
 * strongest guarantee SMTP allows.
 */
export async function dispatchPendingEmails(dispatch: EmailDispatch): Promise<number> {
  return dispatch.queue.claim(dispatch.batch ?? 10, async (claimed) => {
    for (const email of claimed.emails) {
      try {
        await send(dispatch, email);
        await claimed.sent(email.id);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        dispatch.log.warn(
          { notificationId: email.id, attempt: email.attempts + 1, err: message },
          'email not sent; will retry',
        );
        await claimed.failed(email.id, message.slice(0, 500), retryDelaySec(email.attempts));
      }
    }
    return claimed.emails.length;
  });
}

function send(dispatch: EmailDispatch, email: PendingEmail): Promise<void> {
  return dispatch.mailer.send({
    from: dispatch.from,
    to: email.to,
    subject: email.subject,
    text: email.text,
    messageId: email.messageId,
  });
}
