// The stand-ins for the outside world and the operators' tools: their own variables.
import { env, type Spec } from '../config.ts';
import { eventsSpec, pick, processSpec, telemetrySpec } from './pieces.ts';

const fraction = (doc: string) =>
  env.string({ default: '0', pattern: /^(0(\.\d+)?|1(\.0+)?)$/, description: 'a fraction from 0 to 1', doc });

export const paymentSandboxSpec = {
  ...processSpec({ port: 7190, instanceId: 'payment-sandbox-1', idExample: 'payment-sandbox-1' }),
  ...pick(telemetrySpec, ['OTEL_EXPORTER_OTLP_ENDPOINT']),
  SANDBOX_LATENCY_MS: env.int({ default: 0, min: 0, max: 120_000, doc: 'latency added to every provider call' }),
  SANDBOX_ERROR_RATE: fraction('share of calls answered 500'),
  SANDBOX_DROP_RATE: fraction('share of calls charged but never answered (the seed question 5 timeout)'),
} satisfies Spec;

export const mailSinkSpec = {
  ...pick(processSpec({ idExample: 'mail-sink' }), ['HOST', 'LOG_LEVEL', 'SHOP_SUPERVISED']),
  SMTP_PORT: env.port({ default: 7025, doc: 'the SMTP server services send to' }),
  HTTP_PORT: env.port({ default: 7026, doc: 'the mailbox: GET /mailbox lists what was sent' }),
  MAILBOX_CAPACITY: env.int({ default: 1000, min: 1, max: 100_000, doc: 'emails kept (oldest dropped first)' }),
} satisfies Spec;

export const traceCollectorSpec = {
  ...pick(processSpec({ instanceId: 'trace-collector', idExample: 'trace-collector' }), [
    'HOST',
    'PORT',
    'INSTANCE_ID',
    'REGION',
    'LOG_LEVEL',
    'SHOP_SUPERVISED',
    'OPS_HOST',
    'OPS_PORT',
  ]),
  TRACE_STORE_MAX_TRACES: env.int({ default: 2000, min: 10, max: 100_000, doc: 'traces kept (oldest dropped first)' }),
} satisfies Spec;

/** npm run events: the dead-letter tool reads only the bus's address. */
export const eventsCliSpec = eventsSpec;
