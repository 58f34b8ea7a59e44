// Reads a V8 .cpuprofile (node --cpu-prof) into a few numbers a report can
// carry: where the busy time went, by package and by function.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  /** Wall time covered by the samples in the window, ms. */
  sampledMs: number;
  /** Share of sampled time the thread was idle (waiting in the event loop for I/O or timers). */
  idleShare: number;
  /** Share of busy time (idle excluded) by where the running code lives. */
  busyByArea: Record<string, number>;
  /**
   * Share of busy time by the nearest caller that is a package or our own
   * file (Node internals and native code count for whoever called them): a
   * socket write made by undici is undici's, one made by Fastify's reply is Fastify's.
   */
  busyByOwner: Record<string, number>;
  /** Functions with the most busy time of their own. */
  topSelf: Array<{ fn: string; share: number }>;
  /** Busy time under (inclusive) functions of interest, e.g. the mesh client's call. */
  inclusive: Record<string, number>;
}

/** Where a frame's code lives, coarsely: the package, or the runtime. */
export function areaOf(frame: CallFrame): string {
  const url = frame.url;
  if (url === '') {
    if (frame.functionName === '(garbage collector)') return 'gc';
    if (frame.functionName === '(program)') return 'runtime (program)';
    return 'native (syscalls, crypto, string writes)';
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) {
    if (/_tls|tls/.test(url)) return 'node:tls';
    if (/http/.test(url)) return 'node:http';
    if (/stream|net|buffer/.test(url)) return 'node:streams/net';
    return 'node: (other)';
  }
  const own = /\/(packages|services|tools)\/([^/]+)\//.exec(url);
  if (own) return `@shop/${own[2]}`;
  return 'other';
}

/** A package or one of our files, or undefined for Node internals and native frames. */
function ownerOf(frame: CallFrame): string | undefined {
  const url = frame.url;
  if (url === '' || url.startsWith('node:')) return undefined;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1]!;
  const own = /\/((?:packages|services|tools|gateway|lb)\/.*)$/.exec(url);
  return own ? own[1]! : url;
}

const label = (frame: CallFrame): string =>
  `${frame.functionName || '(anonymous)'} ${frame.url.replace(/.*node_modules\//, '').replace(/.*\/(packages|services|tools|gateway|lb)\//, '$1/')}:${frame.lineNumber + 1}`;

/**
 * Summarises one profile between `fromUs` and `toUs` (the system's monotonic
 * clock in µs, which V8 stamps samples with), leaving out start-up and
 * whatever followed; `inclusive` names functions (matched on "name file") whose
 * inclusive busy share is reported.
 */
export function summarise(
  file: string,
  profile: CpuProfile,
  options: { fromUs?: number; toUs?: number; inclusive?: Record<string, RegExp> } = {},
): ProfileSummary {
  const inclusive = options.inclusive ?? {};
  const time = attribute(
    profile,
    timeInWindow(profile, options.fromUs ?? Number.NEGATIVE_INFINITY, options.toUs ?? Number.POSITIVE_INFINITY),
    inclusive,
  );
  const busy = Math.max(1, time.total - time.idle);
  const share = (n: number): number => Math.round((1000 * n) / busy) / 1000;
  const sorted = (by: Map<string, number>): Array<[string, number]> => [...by].sort((a, b) => b[1] - a[1]);
  const atLeastOnePercent = (by: Map<string, number>): Record<string, number> =>
    Object.fromEntries(
      sorted(by)
        .filter(([, v]) => v / busy >= 0.01)
        .map(([k, v]) => [k, share(v)]),
    );
  return {
    file,
    sampledMs: Math.round(time.total / 1000),
    idleShare: time.total > 0 ? Math.round((1000 * time.idle) / time.total) / 1000 : 0,
    busyByArea: atLeastOnePercent(time.byArea),
    busyByOwner: atLeastOnePercent(time.byOwner),
    topSelf: sorted(time.bySelf)
      .slice(0, 12)
      .map(([fn, v]) => ({ fn, share: share(v) })),
    inclusive: Object.fromEntries(Object.keys(inclusive).map((name) => [name, share(time.byInclusive.get(name) ?? 0)])),
  };
}

/** Sampled time (µs) by node id, counting only samples stamped between `from` and `to`. */
function timeInWindow(profile: CpuProfile, from: number, to: number): Map<number, number> {
  const timeById = new Map<number, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < from || t > to) continue;
    const id = profile.samples[i]!;
    timeById.set(id, (timeById.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  return timeById;
}

interface Attributed {
  total: number;
  idle: number;
  byArea: Map<string, number>;
  byOwner: Map<string, number>;
  bySelf: Map<string, number>;
  byInclusive: Map<string, number>;
}

const add = (by: Map<string, number>, key: string, time: number): void => void by.set(key, (by.get(key) ?? 0) + time);

/** Each sampled node's time, to its area, its own function, its owner (nearest package or file up the stack) and the inclusive functions above it. */
function attribute(profile: CpuProfile, timeById: Map<number, number>, inclusive: Record<string, RegExp>): Attributed {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const out: Attributed = {
    total: 0,
    idle: 0,
    byArea: new Map(),
    byOwner: new Map(),
    bySelf: new Map(),
    byInclusive: new Map(),
  };
  for (const [id, time] of timeById) {
    const frame = nodes.get(id)!.callFrame;
    out.total += time;
    if (frame.functionName === '(idle)') {
      out.idle += time;
      continue;
    }
    add(out.byArea, areaOf(frame), time);
    add(out.bySelf, label(frame), time);
    const stack: CallFrame[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur))
      stack.push(nodes.get(cur)!.callFrame);
    const special = frame.functionName === '(garbage collector)' || frame.functionName === '(program)';
    const owner = special ? frame.functionName : stack.map(ownerOf).find((o) => o !== undefined);
    add(out.byOwner, owner ?? 'node (event loop, no JS caller)', time);
    for (const [name, pattern] of Object.entries(inclusive))
      if (stack.some((f) => pattern.test(`${f.functionName} ${f.url}`))) add(out.byInclusive, name, time);
  }
  return out;
}

/** Summarises every .cpuprofile in `dir` (one per process that exited cleanly). */
export async function summariseDir(
  dir: string,
  options: Parameters<typeof summarise>[2] = {},
): Promise<ProfileSummary[]> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.cpuprofile'));
  return Promise.all(
    files.map(async (f) =>
      summarise(join(dir, f), JSON.parse(await readFile(join(dir, f), 'utf8')) as CpuProfile, options),
    ),
  );
}
