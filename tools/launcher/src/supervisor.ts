import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, fchmodSync, readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InstanceSpec } from './topology.ts';

export interface SupervisorOptions {
  logDir: string;
  /** Mirror instance logs to the launcher's stdout instead of only to files. */
  logToStdout: boolean;
  env: (instance: InstanceSpec) => Record<string, string>;
  log: (line: string) => void;
  /** Is this instance ready? (The launcher probes services over mTLS with its own certificate.) */
  probe: (instance: InstanceSpec) => Promise<boolean>;
  /** Restart backoff: base doubles per consecutive crash, capped; reset after a stable period. */
  backoff?: { baseMs: number; maxMs: number; stableMs: number };
  /**
   * The niceness a restarted instance starts at, until it is ready (default 10
   * when the launcher runs as root, which alone may set it back to 0; else 0).
   * Every instance of a laptop topology shares the same cores: a restart's
   * start-up (about a core-second here) would otherwise be taken from the
   * instances serving the traffic it left behind.
   */
  restartNice?: number;
}

interface Supervised {
  spec: InstanceSpec;
  child: ChildProcess | undefined;
  crashes: number;
  startedAt: number;
  restartTimer: NodeJS.Timeout | undefined;
  restarts: number;
}

export interface InstanceStatus {
  id: string;
  service: string;
  region: string;
  port: number;
  /** Its plain-HTTP ops listener (loopback), when it has one. */
  opsPort?: number;
  pid: number | undefined;
  restarts: number;
}

/**
 * Runs every instance as its own OS process and keeps it running: a crashed
 * instance (including one killed with SIGKILL) is restarted with exponential
 * backoff, and each restart is logged. stop() sends SIGTERM, waits for the
 * graceful drain, then SIGKILLs whatever is left: nothing outlives the launcher.
 */
export class Supervisor {
  readonly #options: SupervisorOptions;
  readonly #instances = new Map<string, Supervised>();
  #stopping = false;

  constructor(options: SupervisorOptions) {
    this.#options = options;
  }

  start(specs: InstanceSpec[]): void {
    for (const spec of specs) {
      const entry: Supervised = {
        spec,
        child: undefined,
        crashes: 0,
        startedAt: 0,
        restartTimer: undefined,
        restarts: 0,
      };
      this.#instances.set(spec.id, entry);
      this.#spawn(entry);
    }
  }

  status(): InstanceStatus[] {
    return [...this.#instances.values()].map((s) => ({
      id: s.spec.id,
      service: s.spec.service,
      region: s.spec.region,
      port: s.spec.port,
      ...(s.spec.opsPort === undefined ? {} : { opsPort: s.spec.opsPort }),
      pid: s.child?.pid,
      restarts: s.restarts,
    }));
  }

  async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const pending = new Set(this.#instances.keys());
    while (pending.size > 0) {
      await Promise.all(
        [...pending].map(async (id) => {
          const spec = this.#instances.get(id)?.spec;
          if (spec && (await this.#options.probe(spec))) pending.delete(id);
        }),
      );
      if (pending.size === 0) return;
      if (Date.now() > deadline)
        throw new Error(`Not ready after ${timeoutMs} ms: ${[...pending].join(', ')} (see ${this.#options.logDir})`);
      await sleep(100);
    }
  }

  /**
   * Stops in waves, front to back (`order` gives each instance its wave), so
   * nothing loses what it depends on while it drains: the balancer first,
   * then gateways, then services, then the stand-ins and the trace collector.
   */
  async stop(timeoutMs: number, order: (spec: InstanceSpec) => number = () => 0): Promise<void> {
    this.#stopping = true;
    const waves = [...new Set([...this.#instances.values()].map((e) => order(e.spec)))].sort((a, b) => a - b);
    const deadline = Date.now() + timeoutMs;
    for (const wave of waves) {
      await this.#stopWave(
        [...this.#instances.values()].filter((e) => order(e.spec) === wave),
        Math.max(100, deadline - Date.now()),
      );
    }
  }

  async #stopWave(entries: Supervised[], timeoutMs: number): Promise<void> {
    const running: Array<Promise<void>> = [];
    for (const entry of entries) {
      clearTimeout(entry.restartTimer);
      const child = entry.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) continue;
      running.push(new Promise((resolve) => child.once('exit', () => resolve())));
      child.kill('SIGTERM');
    }
    const all = Promise.all(running).then(() => true);
    const drained = await Promise.race([all, sleep(timeoutMs, undefined, { ref: false }).then(() => false)]);
    if (!drained) {
      for (const entry of entries) {
        if (entry.child && entry.child.exitCode === null && entry.child.signalCode === null) {
          this.#options.log(`${entry.spec.id} did not stop within ${timeoutMs} ms; killing it`);
          entry.child.kill('SIGKILL');
        }
      }
      await all;
    }
  }

  /** The impatient path (a second Ctrl-C): SIGKILL every instance now. */
  killAll(): void {
    this.#stopping = true;
    for (const entry of this.#instances.values()) entry.child?.kill('SIGKILL');
  }

  #spawn(entry: Supervised): void {
    const { spec } = entry;
    const logFile = join(this.#options.logDir, `${spec.id}.log`);
    // The owner's only (requests, addresses and emails end up in logs): 0600
    // when made, and tightened if an older one was left open.
    const fd = openSync(logFile, 'a', 0o600);
    fchmodSync(fd, 0o600);
    const child = spawn(process.execPath, [spec.entry], {
      env: { ...this.#options.env(spec), SHOP_SUPERVISED: '1' },
      stdio: ['pipe', this.#options.logToStdout ? 'inherit' : fd, this.#options.logToStdout ? 'inherit' : fd],
      // Own process group: a terminal's Ctrl-C reaches the launcher, which then stops instances in order.
      detached: true,
    });
    closeSync(fd);
    // The pipe is the instance's lifeline: if the launcher dies, it closes and the instance exits.
    child.stdin?.on('error', () => undefined);
    entry.child = child;
    entry.startedAt = Date.now();
    child.once('exit', (code, signal) => this.#onExit(entry, child, code, signal));
  }

  #onExit(entry: Supervised, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (entry.child !== child || this.#stopping) return;
    entry.child = undefined;
    const backoff = this.#options.backoff ?? { baseMs: 250, maxMs: 10_000, stableMs: 30_000 };
    if (Date.now() - entry.startedAt > backoff.stableMs) entry.crashes = 0;
    entry.crashes += 1;
    const delay = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (entry.crashes - 1));
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    this.#options.log(
      `${entry.spec.id} (pid ${child.pid}) stopped by ${how}; restart #${entry.restarts + 1} in ${delay} ms`,
    );
    entry.restartTimer = setTimeout(() => {
      if (this.#stopping) return;
      entry.restarts += 1;
      this.#spawn(entry);
      this.#options.log(`${entry.spec.id} restarted as pid ${entry.child?.pid}`);
      const nice = this.#options.restartNice ?? (process.getuid?.() === 0 ? 10 : 0);
      if (nice > 0 && entry.child) void this.#startInBackground(entry, entry.child, nice);
    }, delay);
  }

  /** Runs a restarted instance at `nice` until it is ready, then at normal priority. */
  async #startInBackground(entry: Supervised, child: ChildProcess, nice: number): Promise<void> {
    const alive = (): boolean => entry.child === child && child.exitCode === null && child.signalCode === null;
    const renice = (value: number): boolean => {
      try {
        // Linux keeps a niceness per thread: every thread of the process, not only its main one.
        if (child.pid !== undefined && alive()) for (const thread of threadsOf(child.pid)) setPriority(thread, value);
        return true;
      } catch (error) {
        this.#options.log(`${entry.spec.id}: could not set its priority to ${value} (${(error as Error).message})`);
        return false;
      }
    };
    if (!renice(nice)) return;
    const deadline = Date.now() + 60_000;
    while (alive() && !this.#stopping && Date.now() < deadline) {
      if (await this.#options.probe(entry.spec).catch(() => false)) break;
      await sleep(100);
    }
    renice(0);
  }
}

function threadsOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return [pid];
  }
}
