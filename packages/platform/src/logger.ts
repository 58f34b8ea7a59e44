import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

export interface LoggerIdentity {
  service: string;
  instance: string;
  region: string;
  level?: string;
}

/**
 * JSON logs, one object per line, always carrying who wrote them. Request-scoped
 * children add `correlationId` and `traceId` (see createServiceApp).
 */
export function createLogger(identity: LoggerIdentity, destination?: DestinationStream): Logger {
  return pino(
    {
      level: identity.level ?? 'info',
      base: { service: identity.service, instance: identity.instance, region: identity.region, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.refreshToken'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
