import { driveSaga } from './driveSaga.ts';
import type { SagaDeps } from './saga.ts';

export interface RecoveryOptions {
  /** Only orders untouched this long are claimed (the request driving it may still be at work). */
  staleAfterMs: number;
  batchSize?: number;
}

/**
 * One pass: claim stale in-progress sagas and drive each from its persisted
 * step. createApp.ts runs it periodically (startPeriodic: never two at once).
 */
export async function recoverSagas(deps: SagaDeps, options: RecoveryOptions, signal?: AbortSignal): Promise<number> {
  const ids = await deps.store.orders.claimStale(deps.owner, {
    leaseMs: deps.leaseMs,
    staleAfterMs: options.staleAfterMs,
    limit: options.batchSize ?? 20,
  });
  for (const id of ids) {
    if (signal?.aborted) break;
    try {
      await driveSaga(deps, id, signal);
    } catch (error) {
      deps.logger.error({ orderId: id, err: error }, 'saga recovery failed');
    } finally {
      await deps.store.orders.releaseLease(id, deps.owner).catch(() => undefined);
    }
  }
  return ids.length;
}
