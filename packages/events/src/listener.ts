import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '@shop/data';
import type { Logger } from '@shop/platform';

export interface Listener {
  close(): Promise<void>;
}

/**
 * LISTENs on a channel over one held connection of `db`, reconnecting with
 * backoff when it drops. `onConnected` runs after each (re)connect: anything
 * notified while disconnected was missed, so callers re-check their state
 * there (and keep a poll as the fallback).
 */
export function listenForNotifications(
  db: Database,
  channel: string,
  onNotify: (payload: string) => void,
  options: { logger?: Logger; onConnected?: () => void } = {},
): Listener {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`Invalid channel name ${JSON.stringify(channel)}`);
  const closing = new AbortController();
  const run = async (): Promise<void> => {
    for (let failures = 0; !closing.signal.aborted;) {
      try {
        await db.withClient(async (client) => {
          const onNotification = (message: { channel: string; payload?: string }): void => {
            if (message.channel === channel) onNotify(message.payload ?? '');
          };
          let fail: (error: Error) => void = () => undefined;
          const broken = new Promise<never>((_resolve, reject) => {
            fail = reject;
          });
          broken.catch(() => undefined);
          const onError = (error: Error): void => fail(error);
          const onEnd = (): void => fail(new Error('listener connection ended'));
          let onClose: () => void = () => undefined;
          const closed = new Promise<void>((resolve) => {
            onClose = resolve;
          });
          client.on('notification', onNotification);
          client.on('error', onError);
          client.on('end', onEnd);
          try {
            await client.query(`LISTEN ${channel}`);
            failures = 0;
            options.onConnected?.();
            // Taken off again when this connection ends: a listener per reconnect would stay on the signal for good.
            closing.signal.addEventListener('abort', onClose, { once: true });
            if (closing.signal.aborted) onClose();
            await Promise.race([broken, closed]);
            await client.query(`UNLISTEN ${channel}`);
          } finally {
            closing.signal.removeEventListener('abort', onClose);
            client.off('notification', onNotification);
            client.off('error', onError);
            client.off('end', onEnd);
          }
        });
      } catch (error) {
        if (closing.signal.aborted) return;
        failures += 1;
        if (failures === 1 || failures % 20 === 0)
          options.logger?.warn(
            { err: error instanceof Error ? error.message : String(error), channel },
            'LISTEN connection lost; reconnecting',
          );
        await sleep(Math.min(5000, 100 * 2 ** Math.min(failures, 6)), undefined, { signal: closing.signal }).catch(
          () => undefined,
        );
      }
    }
  };
  const running = run();
  return {
    close: async () => {
      closing.abort();
      await running;
    },
  };
}
