// CPU-profiles a running process through its inspector: SIGUSR1 opens it (on
// 127.0.0.1:9229, Node's default), and the DevTools protocol starts and stops
// the sampling profiler. For platform instances, which the launcher starts
// without the bench's NODE_OPTIONS. The inspector stays open until the process
// exits: profile only processes the bench is about to stop.
import { setTimeout as sleep } from 'node:timers/promises';
import type { CpuProfile } from './profile.ts';

const INSPECTOR = 'http://127.0.0.1:9229';

export interface RunningProfile {
  /** Stops sampling and returns the profile. */
  stop(): Promise<CpuProfile>;
}

export async function startInspectorProfile(
  pid: number,
  options: { samplingIntervalUs?: number } = {},
): Promise<RunningProfile> {
  process.kill(pid, 'SIGUSR1');
  let target: string | undefined;
  for (let i = 0; i < 50 && !target; i++) {
    await sleep(100);
    const targets = await fetch(`${INSPECTOR}/json/list`).then(
      (r) => r.json() as Promise<Array<{ webSocketDebuggerUrl: string }>>,
      () => [],
    );
    target = targets[0]?.webSocketDebuggerUrl;
  }
  if (!target) throw new Error(`process ${pid} opened no inspector on ${INSPECTOR} (is another one using the port?)`);
  const socket = new WebSocket(target);
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true });
    socket.addEventListener('error', () => reject(new Error(`could not connect to ${target}`)), { once: true });
  });
  let next = 0;
  const waiting = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
    const call = message.id === undefined ? undefined : waiting.get(message.id);
    if (!call) return;
    waiting.delete(message.id!);
    if (message.error) call.reject(new Error(message.error.message));
    else call.resolve(message.result);
  });
  const send = <T>(method: string, params: Record<string, unknown> = {}): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = ++next;
      waiting.set(id, { resolve: resolve as (result: unknown) => void, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: options.samplingIntervalUs ?? 500 });
  await send('Profiler.start');
  return {
    async stop() {
      try {
        return (await send<{ profile: CpuProfile }>('Profiler.stop')).profile;
      } finally {
        socket.close();
      }
    },
  };
}
