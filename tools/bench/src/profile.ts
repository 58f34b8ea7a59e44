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
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const timeById = new Map<number, number>();
  let t = profile.startTime;
  const from = options.fromUs ?? Number.NEGATIVE_INFINITY;
  const to = options.toUs ?? Number.POSITIVE_INFINITY;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < from || t > to) continue;
    const id = profile.samples[i]!;
    timeById.set(id, (timeById.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  let total = 0;
  let idle = 0;
  const byArea = new Map<string, number>();
  const byOwner = new Map<string, number>();
  const bySelf = new Map<string, number>();
  const byInclusive = new Map<string, number>();
  for (const [id, time] of timeById) {
    const node = nodes.get(id)!;
    total += time;
    if (node.callFrame.functionName === '(idle)') {
      idle += time;
      continue;
    }
    const area = areaOf(node.callFrame);
    byArea.set(area, (byArea.get(area) ?? 0) + time);
    const self = label(node.callFrame);
    bySelf.set(self, (bySelf.get(self) ?? 0) + time);
    const special =
      node.callFrame.functionName === '(garbage collector)' || node.callFrame.functionName === '(program)';
    let owner: string | undefined = special ? node.callFrame.functionName : undefined;
    const matched = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = nodes.get(cur)!.callFrame;
      owner ??= ownerOf(frame);
      for (const [name, pattern] of Object.entries(options.inclusive ?? {})) {
        if (!matched.has(name) && pattern.test(`${frame.functionName} ${frame.url}`)) matched.add(name);
      }
    }
    for (const name of matched) byInclusive.set(name, (byInclusive.get(name) ?? 0) + time);
    byOwner.set(
      owner ?? 'node (event loop, no JS caller)',
      (byOwner.get(owner ?? 'node (event loop, no JS caller)') ?? 0) + time,
    );
  }
  const busy = Math.max(1, total - idle);
  const share = (n: number): number => Math.round((1000 * n) / busy) / 1000;
  return {
    file,
    sampledMs: Math.round(total / 1000),
    idleShare: total > 0 ? Math.round((1000 * idle) / total) / 1000 : 0,
    busyByArea: Object.fromEntries(
      [...byArea]
        .sort((a, b) => b[1] - a[1])
        .filter(([, v]) => v / busy >= 0.01)
        .map(([k, v]) => [k, share(v)]),
    ),
    busyByOwner: Object.fromEntries(
      [...byOwner]
        .sort((a, b) => b[1] - a[1])
        .filter(([, v]) => v / busy >= 0.01)
        .map(([k, v]) => [k, share(v)]),
    ),
    topSelf: [...bySelf]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([fn, v]) => ({ fn, share: share(v) })),
    inclusive: Object.fromEntries(
      Object.keys(options.inclusive ?? {}).map((name) => [name, share(byInclusive.get(name) ?? 0)]),
    ),
  };
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
