import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '@shop/data';
import type { Logger } from '@shop/platform';

export interface Listener {
  close(): Promise<void>;
}

/** The connection Database.withClient lends. */
type PoolClient = Parameters<Parameters<Database['withClient']>[0]>[0];

/** One listener's settings, shared by its successive connections. */
interface ListenSession {
  channel: string;
  onNotify: (payload: string) => void;
  onConnected: (() => void) | undefined;
  /** Aborted by close(). */
  closing: AbortSignal;
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
  const session: ListenSession = { channel, onNotify, onConnected: options.onConnected, closing: closing.signal };
  const run = async (): Promise<void> => {
    for (let failures = 0; !closing.signal.aborted;) {
      try {
        await db.withClient((client) => listenOn(client, session, () => (failures = 0)));
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

/**
 * Listens on one connection until it breaks (rejects) or the listener closes
 * (resolves, after UNLISTEN). `onListening` runs once LISTEN is in place.
 */
async function listenOn(client: PoolClient, session: ListenSession, onListening: () => void): Promise<void> {
  const { channel, closing } = session;
  const onNotification = (message: { channel: string; payload?: string }): void => {
    if (message.channel === channel) session.onNotify(message.payload ?? '');
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
    onListening();
    session.onConnected?.();
    // Taken off again when this connection ends: a listener per reconnect would stay on the signal for good.
    closing.addEventListener('abort', onClose, { once: true });
    if (closing.aborted) onClose();
    await Promise.race([broken, closed]);
    await client.query(`UNLISTEN ${channel}`);
  } finally {
    closing.removeEventListener('abort', onClose);
    client.off('notification', onNotification);
    client.off('error', onError);
    client.off('end', onEnd);
  }
}
