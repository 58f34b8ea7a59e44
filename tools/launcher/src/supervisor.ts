import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, fchmodSync, readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BUSY_LOAD_PER_CORE, loadPerCore, ReadyBudget } from './readyWait.ts';
import { RestartGate } from './restartGate.ts';
import { crashesAfterExit, DEFAULT_BACKOFF, restartDelay, type Backoff } from './restartPolicy.ts';
import type { InstanceSpec } from './topology.ts';

/**
 * Restarts in progress at once (spawned, not yet ready). A constant for now: two keep a crash
 * wave's starts from taking every core at once on a 2-core laptop and still let a second instance
 * come back while a first is slow. (A candidate for the launcher's config: RESTART_CONCURRENCY.)
 */
const RESTARTS_AT_ONCE = 2;
/** How long a restart holds its slot waiting for readiness, in time with the machine not busy. */
const RESTART_HOLD_MS = 30_000;
/** The most a restart's or the start's readiness wait is extended while the machine is busy: this many budgets. */
const READY_WAIT_MAX_FACTOR = 10;

export interface SupervisorOptions {
  logDir: string;
  /** Mirror instance logs to the launcher's stdout instead of only to files. */
  logToStdout: boolean;
  env: (instance: InstanceSpec) => Record<string, string>;
  log: (line: string) => void;
  /** Is this instance ready? (The launcher probes services over mTLS with its own certificate.) */
  probe: (instance: InstanceSpec) => Promise<boolean>;
  /** Restart backoff: base doubles per consecutive crash, capped, jittered; reset after a stable period ready. */
  backoff?: Backoff;
  /** Restarts in progress at once (default RESTARTS_AT_ONCE). */
  restartsAtOnce?: number;
  /** The jitter's randomness (default Math.random). */
  random?: () => number;
  /** The machine's load per core (default: the 1-minute load average over the cores). */
  loadPerCore?: () => number;
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
  restartTimer: NodeJS.Timeout | undefined;
  restarts: number;
  /** When its current process was first seen ready (undefined: not yet). */
  readyAt: number | undefined;
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
 * backoff and jitter, at most a few at once (RestartGate), and each restart is
 * logged. Nothing is ever killed for being slow to get ready: a busy machine
 * extends the waits instead (ReadyBudget). stop() sends SIGTERM, waits for the
 * graceful drain, then SIGKILLs whatever is left: nothing outlives the launcher.
 */
export class Supervisor {
  readonly #options: SupervisorOptions;
  readonly #instances = new Map<string, Supervised>();
  readonly #gate: RestartGate;
  readonly #stopped = new AbortController();
  #stopping = false;

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#gate = new RestartGate(options.restartsAtOnce ?? RESTARTS_AT_ONCE);
  }

  start(specs: InstanceSpec[]): void {
    for (const spec of specs) {
      const entry: Supervised = {
        spec,
        child: undefined,
        crashes: 0,
        restartTimer: undefined,
        restarts: 0,
        readyAt: undefined,
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

  /**
   * Resolves once every instance answered ready. `timeoutMs` is spent only while nothing moves:
   * not while the machine is busy, nor while instances keep becoming ready (see ReadyBudget), up
   * to READY_WAIT_MAX_FACTOR times it; past that it throws, naming the instances not ready.
   */
  async waitUntilReady(timeoutMs: number): Promise<void> {
    const startedAt = Date.now();
    const budget = new ReadyBudget({ budgetMs: timeoutMs, startedAt, maxFactor: READY_WAIT_MAX_FACTOR });
    const pending = new Set(this.#instances.keys());
    let told = false;
    while (pending.size > 0) {
      await Promise.all([...pending].map(async (id) => ((await this.#probeReady(id)) ? pending.delete(id) : false)));
      if (pending.size === 0) return;
      const now = Date.now();
      if (budget.expired(now, { busy: this.#busy(), ready: this.#instances.size - pending.size }))
        throw new Error(
          `Not ready after ${now - startedAt} ms: ${[...pending].join(', ')} (see ${this.#options.logDir})`,
        );
      if (!told && budget.extended(now)) {
        told = true;
        this.#options.log(
          `not all ready after ${timeoutMs} ms; waiting longer while the machine is busy (load ${this.#load().toFixed(1)} per core) or instances keep getting ready: ${[...pending].join(', ')}`,
        );
      }
      await sleep(100);
    }
  }

  /** Probes one instance; the first yes of its current process is its readyAt. */
  async #probeReady(id: string): Promise<boolean> {
    const entry = this.#instances.get(id);
    if (!entry || !(await this.#options.probe(entry.spec).catch(() => false))) return false;
    entry.readyAt ??= Date.now();
    return true;
  }

  #load(): number {
    return (this.#options.loadPerCore ?? loadPerCore)();
  }

  #busy(): boolean {
    return this.#load() >= BUSY_LOAD_PER_CORE;
  }

  /**
   * Stops in waves, front to back (`order` gives each instance its wave), so
   * nothing loses what it depends on while it drains: the balancer first,
   * then gateways, then services, then the stand-ins and the trace collector.
   */
  async stop(timeoutMs: number, order: (spec: InstanceSpec) => number = () => 0): Promise<void> {
    this.#stopping = true;
    this.#stopped.abort(new Error('the supervisor is stopping'));
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
    this.#stopped.abort(new Error('the supervisor is stopping'));
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
    entry.readyAt = undefined;
    child.once('exit', (code, signal) => this.#onExit(entry, child, code, signal));
  }

  #onExit(entry: Supervised, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (entry.child !== child || this.#stopping) return;
    entry.child = undefined;
    const backoff = this.#options.backoff ?? DEFAULT_BACKOFF;
    entry.crashes = crashesAfterExit(entry.crashes, { readyAt: entry.readyAt, exitedAt: Date.now() }, backoff);
    const delay = restartDelay(entry.crashes, backoff, this.#options.random ?? Math.random);
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    this.#options.log(
      `${entry.spec.id} (pid ${child.pid}) stopped by ${how}; restart #${entry.restarts + 1} in ${delay} ms`,
    );
    entry.restartTimer = setTimeout(() => void this.#restart(entry), delay);
  }

  /** Restarts `entry` once a slot of the gate is free, and holds the slot while the new process starts. */
  async #restart(entry: Supervised): Promise<void> {
    entry.restartTimer = undefined;
    if (this.#gate.held + this.#gate.waiting >= (this.#options.restartsAtOnce ?? RESTARTS_AT_ONCE))
      this.#options.log(
        `${entry.spec.id} waits for a restart slot (${this.#gate.held} restarting, ${this.#gate.waiting} waiting before it)`,
      );
    let release: () => void;
    try {
      release = await this.#gate.acquire(this.#stopped.signal);
    } catch {
      return; // stopping: no restart
    }
    try {
      if (this.#stopping) return;
      entry.restarts += 1;
      this.#spawn(entry);
      this.#options.log(`${entry.spec.id} restarted as pid ${entry.child?.pid}`);
      if (entry.child) await this.#whileStarting(entry, entry.child);
    } finally {
      release();
    }
  }

  /**
   * Waits for a restarted instance to be ready (its slot is held meanwhile), at `restartNice`
   * until then. It gives up waiting after RESTART_HOLD_MS of time with the machine not busy: the
   * instance runs on, at normal priority, and the slot goes to the next restart. It is never killed
   * for being slow: that would only start it again, slower.
   */
  async #whileStarting(entry: Supervised, child: ChildProcess): Promise<void> {
    const alive = (): boolean => entry.child === child && child.exitCode === null && child.signalCode === null;
    const nice = this.#options.restartNice ?? (process.getuid?.() === 0 ? 10 : 0);
    const reniced = nice > 0 && this.#renice(entry, child, nice, alive);
    const budget = new ReadyBudget({
      budgetMs: RESTART_HOLD_MS,
      startedAt: Date.now(),
      maxFactor: READY_WAIT_MAX_FACTOR,
    });
    while (alive() && !this.#stopping) {
      if (await this.#probeReady(entry.spec.id)) break;
      if (budget.expired(Date.now(), { busy: this.#busy(), ready: 0 })) {
        this.#options.log(`${entry.spec.id} is still not ready; its restart slot goes to the next`);
        break;
      }
      await sleep(100);
    }
    if (reniced) this.#renice(entry, child, 0, alive);
  }

  /** Sets every thread of the process to `value` (Linux keeps a niceness per thread, not only its main one). */
  #renice(entry: Supervised, child: ChildProcess, value: number, alive: () => boolean): boolean {
    try {
      if (child.pid !== undefined && alive()) for (const thread of threadsOf(child.pid)) setPriority(thread, value);
      return true;
    } catch (error) {
      this.#options.log(`${entry.spec.id}: could not set its priority to ${value} (${(error as Error).message})`);
      return false;
    }
  }
}

function threadsOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return [pid];
  }
}
