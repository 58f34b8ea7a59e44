// "CPU taken away" (issue 22): the day mix at the highest rate the quiet
// platform serves with p99 under 250 ms; then busy loops take the cores (as
// many as the machine has, then twice that), then they stop. Whether every
// arrival is still answered in time (served, or shed with Retry-After),
// whether every acknowledged checkout ends, and how soon the platform serves
// again once the CPU is back.
import { availableParallelism, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBusyLoops, type BusyLoops, type ShopMix } from '@shop/load';
import { dayMix, offer, prepareCrowd, shopClient, SOURCES, type Crowd, type Offered } from './arrivals.ts';
import { DEFAULT_SEARCH, findQuietRate, type QuietRate } from './quietRate.ts';
import { failuresByLabel, perSecond, type Phase, type SecondRow } from './seconds.ts';
import { settle, type Settlement } from './settle.ts';

export interface CpuTakenAwayOptions {
  lbUrl: string;
  /** Offer this rate instead of searching for it (a quicker run; the quiet p99 is then the quiet phase's). */
  rate?: number;
  /** Seconds of the quiet phase and of each busy phase; the phase after the stop is 1.5 times as long. */
  phaseSec: number;
  shoppers: number;
  log?: (line: string) => void;
}

export interface CpuTakenAwayResult {
  rate: number;
  /** The search for the rate; absent when the rate was given. */
  search?: QuietRate;
  /** The search's p99 at the rate, or else the quiet phase's: what the 3x step is held to. */
  quietP99Ms: number;
  cores: number;
  shoppers: number;
  sources: number;
  loadAverageAtStart: number;
  phases: Phase[];
  seconds: SecondRow[];
  /** Failed arrivals by label over the whole run. */
  failures: Record<string, number>;
  /** The same, due after the busy loops stopped. */
  failuresAfterStop: Record<string, number>;
  checkouts: Settlement;
}

const SETTLE_TIMEOUT_MS = 60_000;

/** The whole scenario; also hands back its shoppers, for a cold start to offer the same load. */
export async function runCpuTakenAway(
  options: CpuTakenAwayOptions,
): Promise<{ result: CpuTakenAwayResult; crowd: Crowd }> {
  const log = options.log ?? (() => undefined);
  const client = shopClient(options.lbUrl);
  try {
    log(`CPU taken away: preparing ${options.shoppers} shoppers ...`);
    const crowd = await prepareCrowd(client, `cpu-${Date.now().toString(36)}`, options.shoppers);
    const mix = dayMix(client, crowd, 22);
    const search = options.rate === undefined ? await findQuietRate(mix, { ...DEFAULT_SEARCH, log }) : undefined;
    const rate = options.rate ?? search!.rate;
    await sleep(3000); // whatever the last search step queued drains before the quiet phase
    const loadAverageAtStart = Math.round(loadavg()[0]! * 100) / 100;
    log(`CPU taken away: ${rate}/s, load average ${loadAverageAtStart} ...`);
    const { offered, phases } = await runPhases(mix, rate, options.phaseSec);
    const checkouts = await settle(client, offered.placed, SETTLE_TIMEOUT_MS);
    const seconds = perSecond(offered.arrivals, Math.floor(phases.at(-1)!.to));
    const stopAt = phases.find((p) => p.name === 'after')!.from;
    const quietPhase = seconds.slice(1, Math.floor(phases[1]!.from));
    const result: CpuTakenAwayResult = {
      rate,
      ...(search ? { search } : {}),
      quietP99Ms: search?.p99Ms ?? Math.max(0, ...quietPhase.map((r) => r.p99Ms)),
      cores: availableParallelism(),
      shoppers: crowd.users.length,
      sources: Math.min(SOURCES, crowd.users.length),
      loadAverageAtStart,
      phases,
      seconds,
      failures: failuresByLabel(offered.arrivals),
      failuresAfterStop: failuresByLabel(offered.arrivals, Math.ceil(stopAt)),
      checkouts,
    };
    return { result, crowd };
  } finally {
    await client.close();
  }
}

/** The plan: quiet, one busy loop per core, two per core, then none (named "after": the stop). */
function planOf(phaseSec: number, cores: number): Array<Omit<Phase, 'from' | 'to'> & { sec: number }> {
  return [
    { name: 'quiet', busyLoops: 0, sec: phaseSec },
    { name: `${cores} busy loops`, busyLoops: cores, sec: phaseSec },
    { name: `${2 * cores} busy loops`, busyLoops: 2 * cores, sec: phaseSec },
    { name: 'after', busyLoops: 0, sec: phaseSec * 1.5 },
  ];
}

/** Offers the rate through every phase, starting and stopping busy loops at the phases' edges. */
async function runPhases(mix: ShopMix, rate: number, phaseSec: number): Promise<{ offered: Offered; phases: Phase[] }> {
  const plan = planOf(phaseSec, availableParallelism());
  const totalSec = plan.reduce((sum, p) => sum + p.sec, 0);
  const timeline = busyTimeline(totalSec);
  const timers: NodeJS.Timeout[] = [];
  let at = 0;
  for (const phase of plan) {
    timers.push(setTimeout(() => timeline.enter(phase), at * 1000));
    at += phase.sec;
  }
  try {
    const offered = await offer(mix, rate, totalSec);
    return { offered, phases: timeline.phases };
  } finally {
    for (const timer of timers) clearTimeout(timer);
    await timeline.stop();
  }
}

/** The phases as they happen: entering one ends the last (with the CPU its loops used) and sets the loops running. */
function busyTimeline(totalSec: number): {
  phases: Phase[];
  enter(phase: Omit<Phase, 'from' | 'to'>): void;
  stop(): Promise<void>;
} {
  const start = performance.now();
  const loops: BusyLoops[] = [];
  const stopping: Array<Promise<void>> = [];
  const phases: Phase[] = [];
  const gone: BusyLoops[] = [];
  let cpuBefore = 0;
  const cpuSoFar = (): number => [...loops, ...gone].reduce((sum, l) => sum + (l.cpuSeconds() ?? 0), 0);
  return {
    phases,
    enter: (phase) => {
      const now = (performance.now() - start) / 1000;
      const last = phases.at(-1);
      if (last) {
        last.to = now;
        const cpu = cpuSoFar();
        if (last.busyLoops > 0) last.busyLoopCores = Math.round(((cpu - cpuBefore) / (now - last.from)) * 100) / 100;
        cpuBefore = cpu;
      }
      phases.push({ name: phase.name, busyLoops: phase.busyLoops, from: now, to: totalSec });
      const running = loops.reduce((n, l) => n + l.pids.length, 0);
      if (phase.busyLoops > running)
        loops.push(startBusyLoops(phase.busyLoops - running, { maxMs: (totalSec - now) * 1000 }));
      // Every loop is SIGKILLed at once (stop() kills before it awaits); the plan only ever drops to none.
      else if (phase.busyLoops < running) {
        gone.push(...loops);
        stopping.push(...loops.splice(0).map((l) => l.stop()));
      }
    },
    stop: () => Promise.all([...stopping, ...loops.map((l) => l.stop())]).then(() => undefined),
  };
}
