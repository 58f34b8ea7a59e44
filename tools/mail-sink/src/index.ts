export { createMailSink, type MailSink, type MailSinkOptions } from './createMailSink.ts';
export { Mailbox, type StoredMessage } from './mailbox.ts';
