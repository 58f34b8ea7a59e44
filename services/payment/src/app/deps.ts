import type { Logger } from '@shop/platform';
import type { PaymentStore } from '../domain/ports.ts';
import type { PaymentProvider } from '../domain/provider.ts';

/** What the use cases need, passed in (STYLE.md habit 3): ports only, wired in createApp.ts. */
export interface PaymentDeps {
  store: PaymentStore;
  provider: PaymentProvider;
  logger: Logger;
  /** How long a request or reconciler pass owns a pending payment; longer than one provider call. */
  leaseMs: number;
  /** A pending attempt this old can no longer be in transit: "not found" at the provider then means nothing was charged. */
  reconcileAfterMs: number;
  now: () => number;
}
