import type { ConsumerHandle } from './bus.ts';

/**
 * The handle a bus gives out for one of its consumers: kept in `open` until
 * stopped, so the bus can stop whatever is still running when it closes.
 */
export function trackedConsumer(open: Set<ConsumerHandle>, handle: ConsumerHandle): ConsumerHandle {
  open.add(handle);
  return {
    stop: async () => {
      open.delete(handle);
      await handle.stop();
    },
    lag: () => handle.lag(),
  };
}
