import type { Logger } from '@shop/platform';
import type { OrderRepository } from '../adapters/orderRepository.ts';
import { driveSaga, type SagaDeps } from './driveSaga.ts';

export interface RecoveryOptions {
  intervalMs: number;
  /** Only orders untouched this long are claimed (the request driving it may still be at work). */
  staleAfterMs: number;
  batchSize?: number;
}

/** One pass: claim stale in-progress sagas and drive each from its persisted step. */
export async function recoverSagas(
  deps: SagaDeps & { orders: OrderRepository },
  options: RecoveryOptions,
  signal?: AbortSignal,
): Promise<number> {
  const ids = await deps.orders.claimStale(deps.owner, {
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
      await deps.orders.releaseLease(id, deps.owner).catch(() => undefined);
    }
  }
  return ids.length;
}

export interface RecoveryLoop {
  stop(): Promise<void>;
}

/**
 * Every `intervalMs`, one recovery pass (never two at once). `stop()` waits for
 * the pass in progress, so an onClose hook can end it before the pool closes.
 */
export function startRecoveryLoop(
  deps: SagaDeps,
  options: RecoveryOptions & { onTick?: () => Promise<unknown> },
  logger: Logger,
): RecoveryLoop {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const schedule = (): void => {
    if (controller.signal.aborted) return;
    timer = setTimeout(() => {
      running = (async () => {
        try {
          await recoverSagas(deps, options, controller.signal);
          await options.onTick?.();
        } catch (error) {
          logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'saga recovery pass failed');
        }
      })().finally(schedule);
    }, options.intervalMs);
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      controller.abort();
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
