import { setTimeout as sleep } from 'node:timers/promises';
import { createApp, configSpec, type PaymentOverrides } from '@shop/payment-service';
import { createSandbox, SandboxStore, type FaultSettings } from '@shop/payment-sandbox';
import type { ServiceApp } from '@shop/platform';
import { startServiceForTest, type ServiceUnderTest } from '../support/service.ts';

export type PaymentService = ServiceUnderTest<Parameters<typeof createApp>[0]>;

export interface RunningSandbox {
  app: ServiceApp;
  url: string;
  port: number;
  store: SandboxStore;
  faults(change: Partial<FaultSettings>): Promise<void>;
  ledger(): Promise<SandboxLedger>;
  close(): Promise<void>;
}

export interface SandboxLedger {
  intents: Array<{
    id: string;
    status: string;
    amount: number;
    idempotency_key: string;
    metadata: Record<string, string>;
  }>;
  refunds: Array<{ id: string; amount: number; payment_intent: string; idempotency_key: string }>;
  byOrder: Record<string, { charged: number; refunded: number; net: number; succeededIntents: number }>;
}

/** The provider in-process on a real port (0: any; pass the port and store of a stopped one to "bring it back"). */
export async function startSandbox(options: { port?: number; store?: SandboxStore } = {}): Promise<RunningSandbox> {
  const store = options.store ?? new SandboxStore();
  const app = createSandbox({ store });
  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    port,
    store,
    faults: async (change) => {
      const response = await app.inject({ method: 'POST', url: '/_sandbox/faults', payload: change });
      if (response.statusCode !== 200) throw new Error(`faults refused: ${response.body}`);
    },
    ledger: async () => (await app.inject({ method: 'GET', url: '/_sandbox/ledger' })).json<SandboxLedger>(),
    close: () => app.close(),
  };
}

export async function startPayment(
  adminUrl: string,
  providerUrl: string,
  env: Record<string, string> = {},
  overrides: PaymentOverrides = {},
): Promise<PaymentService> {
  return startServiceForTest({
    service: 'payment',
    adminUrl,
    configSpec,
    env: { PAYMENT_PROVIDER_URL: providerUrl, ...env },
    createApp: (config, deps) => createApp(config, deps, overrides),
  });
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
