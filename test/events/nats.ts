import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

export const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/**
 * The machine's NATS server with JetStream, for running the bus contract
 * against the real engine. Unreachable: skipped locally, a failure when CI=true.
 */
export async function natsServer(): Promise<{ url: string } | { skip: string }> {
  try {
    const nc = await connect({ servers: NATS_URL, timeout: 2000, reconnect: false });
    try {
      await (await jetstreamManager(nc)).getAccountInfo();
    } finally {
      await nc.close();
    }
    return { url: NATS_URL };
  } catch (error) {
    const reason = `NATS JetStream at ${NATS_URL} is unreachable: ${error instanceof Error ? error.message : String(error)}`;
    if (process.env.CI === 'true')
      throw new Error(`${reason} (CI=true: an unreachable engine is a failure, not a skip)`, { cause: error });
    return { skip: reason };
  }
}

/** A namespace no other test run uses, so runs share the server without seeing each other. */
export function uniqueNamespace(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

export interface BackendUnderTest {
  name: 'postgres' | 'jetstream';
  /** For createWorld. */
  options: { nats?: string };
  /** A reason to skip (NATS unreachable outside CI), or false. */
  skip: string | false;
}

/** Both bus backends, JetStream marked skipped when its server is unreachable (a failure with CI=true). */
export async function backendsUnderTest(): Promise<BackendUnderTest[]> {
  const nats = await natsServer();
  return [
    { name: 'postgres', options: {}, skip: false },
    { name: 'jetstream', options: 'url' in nats ? { nats: nats.url } : {}, skip: 'skip' in nats ? nats.skip : false },
  ];
}
