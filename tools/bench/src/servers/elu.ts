// GET /_bench/elu on a fixture: its event-loop utilisation since the last
// call (0..1). Near 1 at saturation means the loop never waited (it is busy,
// or starved of CPU); well below 1 means it spent the run waiting on others.
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

interface Routes {
  get(path: string, handler: () => unknown): unknown;
}

export function eluRoute(app: Routes, extra: () => Record<string, number> = () => ({})): void {
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  app.get('/_bench/elu', () => {
    const delta = performance.eventLoopUtilization(last);
    last = performance.eventLoopUtilization();
    return { elu: Math.round(delta.utilization * 1000) / 1000, ...extra() };
  });
}
