// Busy loops: processes that each spin one core, to take the CPU away from
// the platform as a noisy neighbour, a batch job or a throttled VM would. Used
// by the bench's "CPU taken away" scenario and by the busy-machine test.
//
// A loop that outlives its run would quietly skew every later figure on the
// machine, so each one is bounded three ways: stop() SIGKILLs it; the parent's
// exit SIGKILLs it; and the loop itself exits when its time is up or when its
// parent is gone (it checks its parent's pid as it spins), so not even a
// SIGKILLed caller leaves one behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';

export interface BusyLoopOptions {
  /** The longest the loops may spin; each exits on its own after this, whatever the caller does. */
  maxMs: number;
  /** The node binary to spin (the running one by default). */
  execPath?: string;
}

export interface BusyLoops {
  /** The pids of the loops started (for a report, or to check they are gone). */
  readonly pids: readonly number[];
  /**
   * CPU seconds the loops have used so far (Linux: /proc), to show how much they really took; a loop's last
   * reading is kept once it is gone. Undefined where /proc cannot be read.
   */
  cpuSeconds(): number | undefined;
  /** SIGKILLs every loop still running; resolves when each has exited. Safe to call twice. */
  stop(): Promise<void>;
}

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on every Linux Node runs on). */
const TICKS_PER_SEC = 100;

/** User + system CPU seconds of a process from /proc, or undefined when it cannot be read (gone, not Linux). */
function cpuOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SEC;
  } catch {
    return undefined;
  }
}

/**
 * The loop's program: spin until `maxMs` has passed or the parent that started it is gone. The parent's pid is
 * written in, not read at the loop's start: a parent killed while the loop is still starting is gone by then.
 */
function loopSource(maxMs: number): string {
  return [
    `const end = Date.now() + ${Math.ceil(maxMs)};`,
    `const parent = ${process.pid};`,
    'for (let i = 1; ; i++) {',
    '  if ((i & 0xffff) === 0 && (Date.now() >= end || process.ppid !== parent)) process.exit(0);',
    '}',
  ].join('\n');
}

/** Starts `count` processes that each spin a core for at most `options.maxMs`. */
export function startBusyLoops(count: number, options: BusyLoopOptions): BusyLoops {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a whole number, got ${count}`);
  if (!(options.maxMs > 0)) throw new RangeError(`maxMs must be above 0, got ${options.maxMs}`);
  const children: ChildProcess[] = Array.from({ length: count }, () =>
    spawn(options.execPath ?? process.execPath, ['-e', loopSource(options.maxMs)], { stdio: 'ignore' }),
  );
  // Listened for at once: a loop cannot have exited before this line runs. A loop that failed to start rejects: gone too.
  const exits = children.map((child) =>
    once(child, 'exit').then(
      () => undefined,
      () => undefined,
    ),
  );
  const killAll = (): void => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  // The loops bound themselves; this is the belt to those braces (a loop stopped, say, by SIGSTOP).
  const backstop = setTimeout(killAll, options.maxMs + 1000);
  backstop.unref();
  let stopped: Promise<void> | undefined;
  const pids = children.map((child) => child.pid).filter((pid): pid is number => pid !== undefined);
  const lastCpu = new Map<number, number>();
  return {
    pids,
    cpuSeconds: () => {
      for (const pid of pids) {
        const cpu = cpuOf(pid);
        if (cpu !== undefined) lastCpu.set(pid, cpu);
      }
      return lastCpu.size === 0 && pids.length > 0 ? undefined : [...lastCpu.values()].reduce((a, b) => a + b, 0);
    },
    stop: () =>
      (stopped ??= (async () => {
        clearTimeout(backstop);
        killAll();
        await Promise.all(exits);
        process.removeListener('exit', killAll);
      })()),
  };
}
