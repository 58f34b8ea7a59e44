// One product instance SIGKILLed under steady load through the load balancer:
// how many requests failed, and how long the gateway kept sending attempts to
// the dead instance. The gateway's mesh client logs every failed attempt
// ("mesh eject", with the instance's URL and a timestamp), so its own log
// says when it last tried the dead address; no header or change is needed.
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'undici';
import { openLoop, percentile, PROFILES, seeded, ShopClient, ShopMix, Stats, type VirtualUser } from '@shop/load';
import type { Platform } from './platform.ts';

export interface FailoverOptions {
  platform: Platform;
  rate: number;
  durationSec: number;
  killAtSec: number;
  log?: (line: string) => void;
}

export interface FailoverResult {
  rate: number;
  durationSec: number;
  killAtSec: number;
  killed: string;
  requests: number;
  /** 5xx and transport failures seen by the shoppers, in all and by status. */
  failed: number;
  failedByStatus: Record<string, number>;
  /** Of those, sent before the kill: the platform was already failing (overloaded), not failing over. */
  failedBeforeKill: number;
  /** First and last failed request, ms from the kill (by when it was sent). */
  failuresFromMs: number | undefined;
  failuresToMs: number | undefined;
  /** Attempts the gateway sent to the dead instance (its "mesh eject" log lines after the kill). */
  attemptsOnDead: number;
  /** The last such attempt, ms after the kill: when the dead instance stopped receiving traffic. */
  lastAttemptOnDeadMs: number | undefined;
  /** When the launcher's replacement (same port) answered /health, ms after the kill. */
  replacementUpMs: number | undefined;
  latencyMs: { beforeP50: number; beforeP99: number; afterP50: number; afterP99: number };
}

interface EjectLine {
  time: string;
  mesh?: { type?: string; service?: string; instance?: string; reason?: string };
}

/** What the shoppers saw: each request's send time and latency, and the failed ones (5xx, transport). */
interface Seen {
  failures: Array<{ at: number; status: string }>;
  latencies: Array<{ at: number; ms: number }>;
}

/** Steady browse-mix load (80% product reads, 20% searches) through the lb; SIGKILL product-1 at `killAtSec`. */
export async function runFailover(options: FailoverOptions): Promise<FailoverResult> {
  const { platform } = options;
  const client = new ShopClient(platform.lbUrl);
  const agent = new Agent({ connect: { ...platform.tls, servername: 'localhost' } });
  try {
    const mix = await browseMix(client);
    const victim = [...platform.products.keys()].sort()[0]!;
    const victimUrl = platform.products.get(victim)!;
    const kill = killLater({ options, victim, victimUrl, agent });
    const startedAt = Date.now();
    const seen = await browse(mix, options);
    kill.cancel();
    const killedAt = kill.killedAt();
    if (killedAt === undefined) throw new Error(`${victim} was not killed (run shorter than --failover-kill-at?)`);
    const attempts = await attemptsOnDead(platform.logOf('gateway-1'), victimUrl, { from: killedAt, to: Date.now() });
    const replacementUpAt = kill.replacementUpAt();
    return {
      rate: options.rate,
      durationSec: options.durationSec,
      killAtSec: options.killAtSec,
      killed: victim,
      ...failureFigures(seen, killedAt),
      attemptsOnDead: attempts.length,
      lastAttemptOnDeadMs: attempts.length > 0 ? Math.max(...attempts) - killedAt : undefined,
      replacementUpMs: replacementUpAt === undefined ? undefined : replacementUpAt - killedAt,
      latencyMs: latencyFigures(seen, startedAt, killedAt),
    };
  } finally {
    await client.close();
    await agent.close();
  }
}

/** Anonymous shoppers on the browse mix: browsing needs no account (and no argon2 sign-ups). */
async function browseMix(client: ShopClient): Promise<ShopMix> {
  const productIds = await client.productIds(1000);
  if (productIds.length === 0) throw new Error('the catalogue is empty');
  const users: VirtualUser[] = Array.from({ length: 50 }, (_, i) => ({
    email: `failover-${i}@example.com`,
    password: 'x',
    token: undefined,
    cartItems: 0,
    source: 0,
  }));
  return new ShopMix({ client, users, productIds, random: seeded(11), profile: PROFILES.browse! });
}

/** SIGKILLs the victim at `killAtSec`, then watches for the launcher's replacement on the same port until cancelled. */
function killLater(parts: { options: FailoverOptions; victim: string; victimUrl: string; agent: Agent }): {
  killedAt(): number | undefined;
  replacementUpAt(): number | undefined;
  cancel(): void;
} {
  const { options, victim } = parts;
  let killedAt: number | undefined;
  let replacementUpAt: number | undefined;
  let over = false;
  const timer = setTimeout(() => {
    void (async () => {
      const pid = (await options.platform.state()).instances.find((i) => i.id === victim)?.pid;
      if (!pid) return;
      killedAt = Date.now();
      process.kill(pid, 'SIGKILL');
      options.log?.(`SIGKILL ${victim} (pid ${pid})`);
      while (replacementUpAt === undefined && !over) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        if (await answersHealth(parts.victimUrl, parts.agent)) replacementUpAt = Date.now();
      }
    })();
  }, options.killAtSec * 1000);
  return {
    killedAt: () => killedAt,
    replacementUpAt: () => replacementUpAt,
    cancel: () => {
      clearTimeout(timer);
      over = true;
    },
  };
}

async function answersHealth(url: string, agent: Agent): Promise<boolean> {
  try {
    const response = await request(`${url}/health`, { dispatcher: agent, signal: AbortSignal.timeout(500) });
    await response.body.dump();
    return response.statusCode === 200;
  } catch {
    return false; // not yet
  }
}

/** The open loop at the steady rate, noting each request's send time, latency and any failure. */
async function browse(mix: ShopMix, options: FailoverOptions): Promise<Seen> {
  const seen: Seen = { failures: [], latencies: [] };
  await openLoop({
    stats: new Stats(performance.now()),
    seconds: options.durationSec,
    rateAt: () => options.rate,
    next: () => {
      const op = mix.next();
      return {
        kind: op.kind,
        send: async () => {
          const sentAt = Date.now();
          const t0 = performance.now();
          const status = await op.send();
          seen.latencies.push({ at: sentAt, ms: performance.now() - t0 });
          if (status === undefined || status >= 500)
            seen.failures.push({ at: sentAt, status: status === undefined ? 'transport' : String(status) });
          return status;
        },
      };
    },
    maxInflight: 4000,
  });
  return seen;
}

/** When the gateway tried the dead instance between `from` and `to`: its "mesh eject" log lines for that address. */
async function attemptsOnDead(
  logFile: string,
  victimUrl: string,
  window: { from: number; to: number },
): Promise<number[]> {
  return (await readFile(logFile, 'utf8'))
    .split('\n')
    .filter((line) => line.includes('"mesh eject"') || line.includes('"type":"eject"'))
    .map((line) => {
      try {
        return JSON.parse(line) as EjectLine;
      } catch {
        return undefined;
      }
    })
    .filter((e): e is EjectLine => e?.mesh?.type === 'eject' && e.mesh.instance === victimUrl)
    .map((e) => Date.parse(e.time))
    .filter((t) => t >= window.from && t <= window.to);
}

function failureFigures(
  seen: Seen,
  killedAt: number,
): Pick<
  FailoverResult,
  'requests' | 'failed' | 'failedByStatus' | 'failedBeforeKill' | 'failuresFromMs' | 'failuresToMs'
> {
  const { failures } = seen;
  const failedByStatus: Record<string, number> = {};
  for (const f of failures) failedByStatus[f.status] = (failedByStatus[f.status] ?? 0) + 1;
  return {
    requests: seen.latencies.length,
    failed: failures.length,
    failedByStatus,
    failedBeforeKill: failures.filter((f) => f.at < killedAt).length,
    failuresFromMs: failures.length > 0 ? Math.min(...failures.map((f) => f.at)) - killedAt : undefined,
    failuresToMs: failures.length > 0 ? Math.max(...failures.map((f) => f.at)) - killedAt : undefined,
  };
}

/** Latency before the kill (after the first second) and after it. */
function latencyFigures(seen: Seen, startedAt: number, killedAt: number): FailoverResult['latencyMs'] {
  const before = seen.latencies.filter((l) => l.at < killedAt && l.at >= startedAt + 1000).map((l) => l.ms);
  const after = seen.latencies.filter((l) => l.at >= killedAt).map((l) => l.ms);
  const r = (n: number): number => Math.round(n * 10) / 10;
  return {
    beforeP50: r(percentile(before, 50)),
    beforeP99: r(percentile(before, 99)),
    afterP50: r(percentile(after, 50)),
    afterP99: r(percentile(after, 99)),
  };
}
