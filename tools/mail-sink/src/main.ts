// The mail sink's entry point: the only file that reads process.env.
import { createLogger, loadConfigOrExit, mailSinkSpec } from '@shop/platform';
import { createMailSink } from './createMailSink.ts';

const config = loadConfigOrExit({ name: 'mail-sink', spec: mailSinkSpec }, process.env);
const logger = createLogger({ service: 'mail-sink', instance: 'mail-sink', region: 'local', level: config.LOG_LEVEL });
const sink = await createMailSink({
  host: config.HOST,
  smtpPort: config.SMTP_PORT,
  httpPort: config.HTTP_PORT,
  capacity: config.MAILBOX_CAPACITY,
  logger,
});
logger.info({ smtp: `smtp://${config.HOST}:${sink.smtpPort}`, http: sink.httpUrl }, 'mail sink listening');

let stopping = false;
const shutdown = (reason: string): void => {
  if (stopping) return;
  stopping = true;
  logger.info({ reason }, 'shutting down');
  sink.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', () => shutdown('SIGTERM'));
process.once('SIGINT', () => shutdown('SIGINT'));
if (config.SHOP_SUPERVISED) {
  // Under the launcher stdin is a pipe from it: when it closes, the launcher is gone.
  process.stdin.on('data', () => undefined);
  process.stdin.once('end', () => shutdown('launcher gone'));
}
