import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { AppError, ServiceMetrics, Type, createServiceApp, type Logger, type ServiceApp } from '@shop/platform';
import { Mailbox, type StoredMessage } from './mailbox.ts';

export interface MailSinkOptions {
  host: string;
  /** 0 picks a free port. */
  smtpPort: number;
  httpPort: number;
  logger: Logger;
  capacity?: number;
  /** Largest message accepted, bytes (default 10 MiB). */
  maxMessageBytes?: number;
}

export interface MailSink {
  smtpPort: number;
  httpUrl: string;
  mailbox: Mailbox;
  app: ServiceApp;
  /** SMTP connections accepted so far (a pooled sender makes few). */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * The local SMTP server a newcomer gets when no real one is configured: it
 * accepts any mail (no auth, no TLS: loopback only), keeps it in memory and
 * shows it over HTTP, so the confirmation email of a checkout can be read.
 */
export async function createMailSink(options: MailSinkOptions): Promise<MailSink> {
  const mailbox = new Mailbox(options.capacity ?? 1000);
  const logger = options.logger;
  let connections = 0;
  const smtp = new SMTPServer({
    authOptional: true,
    onConnect(_session, callback) {
      connections += 1;
      callback();
    },
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: options.maxMessageBytes ?? 10 * 1024 * 1024,
    onData: receiveInto(mailbox, logger),
  });
  smtp.on('error', (error) => logger.warn({ err: error }, 'smtp error'));
  await new Promise<void>((resolve, reject) => {
    smtp.server.once('error', reject);
    smtp.listen(options.smtpPort, options.host, () => resolve());
  });
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  const app = createMailboxApp(mailbox, logger);
  await app.listen({ host: options.host, port: options.httpPort });
  const httpPort = (app.server.address() as AddressInfo).port;
  return {
    smtpPort,
    httpUrl: `http://${options.host}:${httpPort}`,
    mailbox,
    app,
    get connections() {
      return connections;
    },
    close: async () => {
      await app.close();
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    },
  };
}

/** The SMTP server's onData: parse the message and keep it (a duplicate Message-ID is kept once). */
function receiveInto(mailbox: Mailbox, logger: Logger): SMTPServerOptions['onData'] {
  return (stream, session, callback) => {
    simpleParser(stream)
      .then((mail) => {
        const envelopeTo = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
        const headerTo = addresses(mail.to);
        const { message, duplicate } = mailbox.add({
          messageId: mail.messageId ?? null,
          from: mail.from?.text ?? (session.envelope.mailFrom ? session.envelope.mailFrom.address : ''),
          to: [...new Set([...envelopeTo, ...headerTo])],
          subject: mail.subject ?? '',
          text: mail.text ?? '',
          html: typeof mail.html === 'string' ? mail.html : null,
        });
        logger.info(
          { id: message.id, messageId: message.messageId, to: message.to, duplicate },
          duplicate ? 'duplicate message ignored' : 'message received',
        );
        callback();
      })
      .catch((error: unknown) => {
        logger.warn({ err: error }, 'could not parse a message');
        callback(error instanceof Error ? error : new Error(String(error)));
      });
  };
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const list = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return list.flatMap((a) => a.value.map((v) => v.address?.toLowerCase() ?? '').filter((x) => x !== ''));
}

const MessageView = Type.Object({
  id: Type.String(),
  messageId: Type.Union([Type.String(), Type.Null()]),
  from: Type.String(),
  to: Type.Array(Type.String()),
  subject: Type.String(),
  text: Type.String(),
  html: Type.Union([Type.String(), Type.Null()]),
  receivedAt: Type.String(),
});

/** GET /mailbox?to=, GET /mailbox/{id}, DELETE /mailbox. */
function createMailboxApp(mailbox: Mailbox, logger: Logger): ServiceApp {
  const identity = { service: 'mail-sink', instance: 'mail-sink', region: 'local' };
  const app = createServiceApp({ ...identity, logger, metrics: new ServiceMetrics(identity), readiness: [] });
  app.get(
    '/mailbox',
    {
      schema: {
        querystring: Type.Object(
          { to: Type.Optional(Type.String({ maxLength: 320 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ messages: Type.Array(MessageView) }) },
      },
    },
    (request) => ({
      messages: mailbox.list(request.query.to),
    }),
  );
  app.get(
    '/mailbox/:id',
    { schema: { params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 200: MessageView } } },
    (request): StoredMessage => {
      const message = mailbox.get(request.params.id);
      if (!message) throw new AppError('NOT_FOUND', { detail: 'No such message' });
      return message;
    },
  );
  app.delete('/mailbox', async (_request, reply) => {
    mailbox.clear();
    return reply.status(204).send();
  });
  return app;
}
