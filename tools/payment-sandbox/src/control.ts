import { Type, type ServiceApp } from '@shop/platform';
import type { SandboxContext } from './idempotent.ts';

const FaultChange = Type.Object(
  {
    latencyMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 120_000 })),
    errorRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    dropRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    dropNext: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);

/** The sandbox's own controls, for tests, chaos and the invariant checker. Not part of Stripe's API. */
export function registerControlRoutes(app: ServiceApp, ctx: SandboxContext): void {
  app.get('/_sandbox/faults', () => ctx.faults.settings);
  app.post('/_sandbox/faults', { schema: { body: FaultChange } }, (request) => ctx.faults.update(request.body));
  app.get('/_sandbox/ledger', () => ctx.store.ledger());
}
