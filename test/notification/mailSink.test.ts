// The local mail sink: real SMTP in (nodemailer), real HTTP out.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer, { type Transporter } from 'nodemailer';
import { createMailSink, type MailSink } from '@shop/mail-sink';
import { createLogger } from '@shop/platform';

let sink: MailSink;
before(async () => {
  sink = await createMailSink({
    host: '127.0.0.1',
    smtpPort: 0,
    httpPort: 0,
    logger: createLogger({ service: 'mail-sink', instance: 'test', region: 'local', level: 'silent' }),
  });
});
after(async () => {
  await sink.close();
});

function transport(): Transporter {
  return nodemailer.createTransport({ host: '127.0.0.1', port: sink.smtpPort, secure: false, ignoreTLS: true });
}

test('a message sent over SMTP is readable over HTTP, filtered by recipient', async () => {
  const mailer = transport();
  await mailer.sendMail({
    from: 'Shop <no-reply@shop.local>',
    to: 'Ada@Example.com',
    subject: 'Welcome',
    text: 'Hello Ada',
  });
  await mailer.sendMail({
    from: 'Shop <no-reply@shop.local>',
    to: 'bob@example.com',
    subject: 'Other',
    text: 'Hello Bob',
  });
  mailer.close();
  const response = await fetch(`${sink.httpUrl}/mailbox?to=ada@example.com`);
  assert.equal(response.status, 200);
  const { messages } = (await response.json()) as {
    messages: Array<{ id: string; subject: string; text: string; to: string[]; from: string; messageId: string }>;
  };
  assert.equal(messages.length, 1);
  assert.equal(messages[0]!.subject, 'Welcome');
  assert.equal(messages[0]!.text.trim(), 'Hello Ada');
  assert.deepEqual(messages[0]!.to, ['ada@example.com']);
  assert.match(messages[0]!.from, /no-reply@shop\.local/);
  const one = await fetch(`${sink.httpUrl}/mailbox/${messages[0]!.id}`);
  assert.equal(one.status, 200);
  assert.equal(((await one.json()) as { subject: string }).subject, 'Welcome');
  const missing = await fetch(`${sink.httpUrl}/mailbox/nope`);
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get('content-type'), 'application/problem+json; charset=utf-8');
});

test('a duplicate Message-ID is stored once; DELETE empties the mailbox', async () => {
  const mailer = transport();
  const message = {
    from: 'no-reply@shop.local',
    to: 'dup@example.com',
    subject: 'Once',
    text: 'x',
    messageId: '<evt-123@notification.shop.local>',
  };
  await mailer.sendMail(message);
  await mailer.sendMail(message);
  mailer.close();
  const { messages } = (await (await fetch(`${sink.httpUrl}/mailbox?to=dup@example.com`)).json()) as {
    messages: Array<{ messageId: string }>;
  };
  assert.equal(messages.length, 1);
  assert.equal(messages[0]!.messageId, '<evt-123@notification.shop.local>');
  assert.equal((await fetch(`${sink.httpUrl}/mailbox`, { method: 'DELETE' })).status, 204);
  const after = (await (await fetch(`${sink.httpUrl}/mailbox`)).json()) as { messages: unknown[] };
  assert.equal(after.messages.length, 0);
});

test("the notification service's mailer keeps its SMTP connection open: five messages, one connection", async () => {
  const { createSmtpMailer } = await import('../../services/notification/src/adapters/mailer.ts');
  const mailer = createSmtpMailer(`smtp://127.0.0.1:${sink.smtpPort}`);
  const before = sink.connections;
  try {
    for (let i = 0; i < 5; i += 1)
      await mailer.send({
        from: 'no-reply@shop.local',
        to: 'pool@example.com',
        subject: `Pooled ${i}`,
        text: 'x',
        messageId: `<pool-${i}-${Date.now()}@shop.local>`,
      });
  } finally {
    mailer.close();
  }
  assert.equal(sink.connections - before, 1);
  const { messages } = (await (await fetch(`${sink.httpUrl}/mailbox?to=pool@example.com`)).json()) as {
    messages: unknown[];
  };
  assert.equal(messages.length, 5);
});
