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

/** Steady browse-mix load (80% product reads, 20% searches) through the lb; SIGKILL product-1 at `killAtSec`. */
export async function runFailover(options: FailoverOptions): Promise<FailoverResult> {
  const { platform } = options;
  const client = new ShopClient(platform.lbUrl);
  const agent = new Agent({ connect: { ...platform.tls, servername: 'localhost' } });
  try {
    const productIds = await client.productIds(1000);
    if (productIds.length === 0) throw new Error('the catalogue is empty');
    // Anonymous shoppers: browsing needs no account (and no argon2 sign-ups).
    const users: VirtualUser[] = Array.from({ length: 50 }, (_, i) => ({
      email: `failover-${i}@example.com`,
      password: 'x',
      token: undefined,
      cartItems: 0,
      source: 0,
    }));
    const mix = new ShopMix({ client, users, productIds, random: seeded(11), profile: PROFILES.browse! });
    const victim = [...platform.products.keys()].sort()[0]!;
    const victimUrl = platform.products.get(victim)!;
    const stats = new Stats(performance.now());
    const failures: Array<{ at: number; status: string }> = [];
    const latencies: Array<{ at: number; ms: number }> = [];
    let killedAt = 0;
    let replacementUpAt: number | undefined;
    let runOver = false;

    const kill = setTimeout(() => {
      void (async () => {
        const pid = (await platform.state()).instances.find((i) => i.id === victim)?.pid;
        if (!pid) return;
        killedAt = Date.now();
        process.kill(pid, 'SIGKILL');
        options.log?.(`SIGKILL ${victim} (pid ${pid})`);
        // The launcher restarts it on the same port: note when the replacement answers.
        while (replacementUpAt === undefined && !runOver) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          try {
            const response = await request(`${victimUrl}/health`, {
              dispatcher: agent,
              signal: AbortSignal.timeout(500),
            });
            await response.body.dump();
            if (response.statusCode === 200) replacementUpAt = Date.now();
          } catch {
            // not yet
          }
        }
      })();
    }, options.killAtSec * 1000);

    const startedAt = Date.now();
    await openLoop({
      stats,
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
            latencies.push({ at: sentAt, ms: performance.now() - t0 });
            if (status === undefined || status >= 500)
              failures.push({ at: sentAt, status: status === undefined ? 'transport' : String(status) });
            return status;
          },
        };
      },
      maxInflight: 4000,
    });
    clearTimeout(kill);
    runOver = true;
    if (killedAt === 0) throw new Error(`${victim} was not killed (run shorter than --failover-kill-at?)`);
    const endedAt = Date.now();

    const attempts = (await readFile(platform.logOf('gateway-1'), 'utf8'))
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
      .filter((t) => t >= killedAt && t <= endedAt);
    const failedByStatus: Record<string, number> = {};
    for (const f of failures) failedByStatus[f.status] = (failedByStatus[f.status] ?? 0) + 1;
    const before = latencies.filter((l) => l.at < killedAt && l.at >= startedAt + 1000).map((l) => l.ms);
    const after = latencies.filter((l) => l.at >= killedAt).map((l) => l.ms);
    const r = (n: number): number => Math.round(n * 10) / 10;
    return {
      rate: options.rate,
      durationSec: options.durationSec,
      killAtSec: options.killAtSec,
      killed: victim,
      requests: latencies.length,
      failed: failures.length,
      failedByStatus,
      failedBeforeKill: failures.filter((f) => f.at < killedAt).length,
      failuresFromMs: failures.length > 0 ? Math.min(...failures.map((f) => f.at)) - killedAt : undefined,
      failuresToMs: failures.length > 0 ? Math.max(...failures.map((f) => f.at)) - killedAt : undefined,
      attemptsOnDead: attempts.length,
      lastAttemptOnDeadMs: attempts.length > 0 ? Math.max(...attempts) - killedAt : undefined,
      replacementUpMs: replacementUpAt === undefined ? undefined : replacementUpAt - killedAt,
      latencyMs: {
        beforeP50: r(percentile(before, 50)),
        beforeP99: r(percentile(before, 99)),
        afterP50: r(percentile(after, 50)),
        afterP99: r(percentile(after, 99)),
      },
    };
  } finally {
    await client.close();
    await agent.close();
  }
}
