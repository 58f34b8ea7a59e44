import nodemailer from 'nodemailer';
import type { Mailer } from '../domain/ports.ts';

/**
 * SMTP through nodemailer to SMTP_URL (smtp://host:port, or smtps:// for
 * implicit TLS), over a small pool of kept-open connections: a connection per
 * message costs a TCP (and TLS) handshake and the SMTP greeting every time.
 */
export function createSmtpMailer(smtpUrl: string): Mailer {
  const url = new URL(smtpUrl);
  const transport = nodemailer.createTransport({
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 25)),
    secure: url.protocol === 'smtps:',
    ...(url.username
      ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }
      : {}),
    pool: true,
    maxConnections: 2,
    connectionTimeout: 5000,
    greetingTimeout: 5000,
    socketTimeout: 10_000,
  });
  return {
    send: async (email) => {
      await transport.sendMail({
        from: email.from,
        to: email.to,
        subject: email.subject,
        text: email.text,
        messageId: email.messageId,
      });
    },
    close: () => transport.close(),
  };
}
