import { ConfigError, createLogger, env, loadConfig } from '@shop/platform';
import { createMailSink } from './createMailSink.ts';

// The mail sink's entry point: the only file that reads process.env.
const spec = {
  HOST: env.string({ default: '127.0.0.1' }),
  SMTP_PORT: env.port({ default: 7025 }),
  HTTP_PORT: env.port({ default: 7026 }),
  MAILBOX_CAPACITY: env.int({ default: 1000, min: 1, max: 100_000 }),
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
};

let config: ReturnType<typeof loadConfig<typeof spec>>;
try {
  config = loadConfig(spec, process.env);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`mail-sink: ${error.message}\n`);
    process.exit(78);
  }
  throw error;
}
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
if (process.env.SHOP_SUPERVISED === '1') {
  // Under the launcher stdin is a pipe from it: when it closes, the launcher is gone.
  process.stdin.on('data', () => undefined);
  process.stdin.once('end', () => shutdown('launcher gone'));
}
