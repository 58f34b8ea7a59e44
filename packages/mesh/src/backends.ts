import { slowStartWeight, type SlowStartPolicy } from './slowStart.ts';

/**
 * The balancer's view of its backends: which are in rotation, and why not.
 * Two signals take a backend out: active health checks (N consecutive failed
 * /health probes; back after M successes) and passive ejection on live errors
 * (a refused connection ejects at once, for a period that doubles on repeat;
 * timeouts and 5xx only while enough of the set stays in rotation),
 * so a dead instance stops getting traffic on the first failed request, not
 * after a health-check period. The doubling decays as in Envoy: every
 * `ejectionDecayMs` spent back in rotation takes one step off it, so an
 * instance that failed once an hour ago is not punished like one that keeps
 * failing. An instance new to the set, or back in rotation, is in slow start
 * (slowStart.ts): it looks dearer to the pick for a while, so its share of
 * traffic grows instead of arriving all at once. Pure state: the clock is passed in.
 */
export interface BackendPolicy extends SlowStartPolicy {
  unhealthyThreshold: number;
  healthyThreshold: number;
  baseEjectionMs: number;
  maxEjectionMs: number;
  /** Time in rotation that removes one doubling step (default 10 s, Envoy's interval). */
  ejectionDecayMs?: number;
  /** The share of the set soft failures may take out of rotation at once (default 0.5; one instance always may go). */
  maxSoftEjectedShare?: number;
}

const DEFAULT_DECAY_MS = 10_000;
const DEFAULT_SOFT_SHARE = 0.5;

export interface Backend {
  url: string;
  healthy: boolean;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  ejectedUntil: number;
  ejections: number;
  outstanding: number;
  /** Peak-EWMA round-trip estimate, ms, as of `latencyAt` (see observe()). */
  latencyMs: number;
  latencyAt: number;
  /**
   * Since when it is in rotation, for slow start: the end of its last ejection, else stamped by the
   * first pick that finds it available (undefined until then: new to the set, or just healthy again).
   */
  inRotationSince: number | undefined;
}

/** How fast an old latency observation is forgotten (Finagle's default decay time). */
const LATENCY_DECAY_MS = 10_000;
/** What an instance nobody has timed yet is assumed to take, ms: cheap, so new instances get traffic. */
const UNMEASURED_MS = 1;

export class BackendSet {
  backends: Backend[];
  readonly #policy: BackendPolicy;

  constructor(urls: string[], policy: BackendPolicy) {
    this.#policy = policy;
    this.backends = urls.map(fresh);
  }

  /** Discovery changed the set: keep what we know of instances that stay, add new ones, drop the gone. */
  replace(urls: string[]): void {
    const known = new Map(this.backends.map((b) => [b.url, b]));
    this.backends = [...new Set(urls)].map((url) => known.get(url) ?? fresh(url));
  }

  available(now: number): Backend[] {
    return this.backends.filter((b) => b.healthy && b.ejectedUntil <= now);
  }

  /**
   * Power of two choices by expected cost, skipping `exclude` (already tried):
   * cost = peak-EWMA latency x (outstanding + 1), as in Finagle and Linkerd.
   * An instance that turned slow (its round trip or timeout is observed at
   * once, as a peak) is all but avoided, and tried again only as its estimate
   * decays, so a slow instance costs a handful of requests, not half of them.
   */
  pick(now: number, exclude: ReadonlySet<Backend>, random: () => number = Math.random): Backend | undefined {
    const available = this.available(now);
    for (const b of available) b.inRotationSince ??= now;
    let candidates = available.filter((b) => !exclude.has(b));
    if (candidates.length === 0) {
      // Everything out: rather than fail outright, try the one due back first
      // (panic mode). Not by cost: an instance that refuses connections fails
      // fast, and would look the cheapest; its ejections double, so it is due back last.
      const out = this.backends.filter((b) => !exclude.has(b) && b.healthy);
      const first = Math.min(...out.map((b) => b.ejectedUntil));
      candidates = out.filter((b) => b.ejectedUntil === first);
    }
    if (candidates.length === 0) return undefined;
    if (candidates.length === 1) return candidates[0];
    const a = candidates[Math.floor(random() * candidates.length)]!;
    let b = candidates[Math.floor(random() * (candidates.length - 1))]!;
    if (b === a) b = candidates[candidates.length - 1]!;
    return this.cost(a, now) <= this.cost(b, now) ? a : b;
  }

  /**
   * What P2C compares; divided by the slow-start weight, so an instance warming up looks dearer
   * and gets a share that grows with its time in rotation. It is never refused for it: alone, or
   * beside instances as new as itself (a fresh platform), it gets what it would anyway.
   */
  cost(backend: Backend, now: number): number {
    const weight = slowStartWeight(this.#policy, backend.inRotationSince, now);
    return (this.#latency(backend, now) * (backend.outstanding + 1)) / weight;
  }

  /**
   * A round trip (or a timeout) took `ms`. A peak is taken at once; anything
   * lower is averaged in with a weight that grows with the time since the last
   * observation (an EWMA in time, not in requests).
   */
  observe(backend: Backend, ms: number, now: number): void {
    const w = Math.exp(-Math.max(0, now - backend.latencyAt) / LATENCY_DECAY_MS);
    backend.latencyMs = ms > backend.latencyMs ? ms : backend.latencyMs * w + ms * (1 - w);
    backend.latencyAt = now;
  }

  /** The estimate decays toward zero while nothing is observed, so an avoided instance is tried again in time. */
  #latency(backend: Backend, now: number): number {
    return backend.latencyMs * Math.exp(-Math.max(0, now - backend.latencyAt) / LATENCY_DECAY_MS);
  }

  probeResult(backend: Backend, ok: boolean): void {
    if (ok) {
      backend.consecutiveFailures = 0;
      backend.consecutiveSuccesses += 1;
      if (!backend.healthy && backend.consecutiveSuccesses >= this.#policy.healthyThreshold) {
        backend.healthy = true;
        backend.ejectedUntil = 0;
        backend.inRotationSince = undefined; // back from failed checks: slow start from the next pick
      }
    } else {
      backend.consecutiveSuccesses = 0;
      backend.consecutiveFailures += 1;
      if (backend.consecutiveFailures >= this.#policy.unhealthyThreshold) backend.healthy = false;
    }
  }

  /**
   * A hard failure: the instance refused or dropped the connection, or said it
   * is shutting down. It is gone, whatever the others are doing: out at once.
   */
  eject(backend: Backend, now: number): void {
    this.#decay(backend, now);
    const period = Math.min(this.#policy.maxEjectionMs, this.#policy.baseEjectionMs * 2 ** backend.ejections);
    backend.ejections += 1;
    backend.ejectedUntil = now + period;
    backend.inRotationSince = backend.ejectedUntil; // back in rotation then, in slow start
  }

  /**
   * A soft failure: timeouts or repeated 5xx. The instance may be slow only
   * because everything is (a saturated machine, a peer restarting and taking
   * the CPU). Ejecting it then piles its share on the rest, which time out in
   * turn and are ejected too: a collapse that feeds itself, and that outlives
   * its cause. So, like Envoy's max_ejection_percent, soft failures take at
   * most `maxSoftEjectedShare` of the set out of rotation (one may always go);
   * past that the instance stays, and its observed latency steers traffic away
   * from it as far as the others can take it. Returns whether it went out.
   */
  ejectSoft(backend: Backend, now: number): boolean {
    const out = this.backends.filter((b) => b !== backend && (!b.healthy || b.ejectedUntil > now)).length;
    if (out > 0 && out + 1 > this.backends.length * (this.#policy.maxSoftEjectedShare ?? DEFAULT_SOFT_SHARE))
      return false;
    this.eject(backend, now);
    return true;
  }

  /** A live request succeeded: brings the multiplier up to date (it decays with time in rotation, not per request). */
  succeeded(backend: Backend, now: number): void {
    this.#decay(backend, now);
  }

  /**
   * One step off the multiplier per decay period since the last ejection
   * ended. The consumed periods move `ejectedUntil` forward (still in the
   * past, so availability is unchanged) so that no period counts twice.
   */
  #decay(backend: Backend, now: number): void {
    if (backend.ejections === 0 || backend.ejectedUntil > now) return;
    const decayMs = this.#policy.ejectionDecayMs ?? DEFAULT_DECAY_MS;
    const steps = Math.floor((now - backend.ejectedUntil) / decayMs);
    if (steps <= 0) return;
    backend.ejections = Math.max(0, backend.ejections - steps);
    backend.ejectedUntil += steps * decayMs;
  }
}

function fresh(url: string): Backend {
  return {
    url,
    healthy: true,
    consecutiveFailures: 0,
    consecutiveSuccesses: 0,
    ejectedUntil: 0,
    ejections: 0,
    outstanding: 0,
    latencyMs: UNMEASURED_MS,
    latencyAt: 0,
    inRotationSince: undefined,
  };
}
