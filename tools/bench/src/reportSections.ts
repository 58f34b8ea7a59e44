// The report's paragraphs after the scenario tables: the mesh client's code
// per call, CPU profiles, checkout, statements per checkout, failover and
// event lag. Each returns its lines (none when the run did not have the part).
import { basename } from 'node:path';
import type { CheckoutResult } from './checkout.ts';
import type { FailoverResult } from './failover.ts';
import type { BenchResult } from './benchResult.ts';
import { firstLine, ok, outcomes, signed } from './reportFormat.ts';

/** The mesh client's own code per call against a raw undici request(), without sockets. */
export function microLines(bench: BenchResult): string[] {
  const micro = new Map((bench.micro ?? []).map((m) => [m.case, m.cpuMicrosPerCall]));
  const undiciCall = micro.get('undici');
  if (undiciCall === undefined) return [];
  const plus = (name: string): string => {
    const v = micro.get(name);
    return v === undefined ? '-' : `${v} µs (${signed(v - undiciCall, 1)})`;
  };
  return [
    '',
    `**The mesh client's own code per call, without sockets** (the transport answers in-process; 50 calls in flight; CPU per call, best of 2 runs): a raw undici request() ${undiciCall} µs; the mesh client (P2C, breaker, retry budget, bulkhead, deadline) ${plus('mesh')}; with its recording span and traceparent ${plus('mesh-span')}.`,
  ];
}

const percent = ([k, v]: [string, number]): string => `${k} ${(v * 100).toFixed(0)}%`;

/** One line per profiled process: idle share, busy time by owner, inclusive shares, top functions. */
export function profileLines(bench: BenchResult): string[] {
  if (!bench.profiles) return [];
  const lines = [
    '',
    "**CPU profiles** (the two-hop fronts by node --cpu-prof; a platform instance by its inspector, --profile-instance; saturated window only; shares of busy time; a profiled process runs slower, so these runs are not the table's):",
    '',
  ];
  for (const [key, summaries] of Object.entries(bench.profiles)) {
    for (const p of summaries) {
      const areas = Object.entries(p.busyByOwner).slice(0, 8).map(percent).join(', ');
      const focus = Object.entries(p.inclusive)
        .filter(([, v]) => v > 0)
        .map(percent)
        .join(', ');
      const top = p.topSelf
        .slice(0, 4)
        .map((f) => `${f.fn} ${(f.share * 100).toFixed(1)}%`)
        .join(', ');
      const which = key.startsWith('product') ? ` (${basename(p.file, '.cpuprofile')})` : '';
      lines.push(
        `- ${key}${which}: idle ${(p.idleShare * 100).toFixed(0)}% of ${p.sampledMs} ms sampled; busy time by owner (the package or file whose call it was) ${areas}; inclusive: ${focus}; top functions: ${top}.`,
      );
    }
  }
  return lines;
}

export function checkoutLines(bench: BenchResult): string[] {
  const checkout = bench.checkout;
  if (!checkout) return [];
  if (!ok(checkout)) return ['', `**Checkout** failed: ${firstLine(checkout.error)}`];
  return ['', checkoutSentence(checkout)];
}

function checkoutSentence(c: CheckoutResult): string {
  return `**Checkout** through load balancer + gateway, open loop at ${c.rate}/s for ${c.durationSec} s after 2 s warm-up (each arrival: one shopper adds a product to the cart, then checks out; ${c.shoppers} shoppers signed up and logged in ${c.prepareSec} s before timing): POST /orders p50 / p90 / p99 / max ${c.checkoutMs.p50} / ${c.checkoutMs.p90} / ${c.checkoutMs.p99} / ${c.checkoutMs.max} ms (orders placed only: p50 ${c.placedMs.p50}, p99 ${c.placedMs.p99} ms); arrival to done (cart + checkout, from the schedule) p50 ${c.arrivalToDoneMs.p50}, p99 ${c.arrivalToDoneMs.p99} ms. ${c.offered} offered; checkout answers: ${outcomes(c.outcomes)}; cart answers: ${outcomes(c.cartOutcomes)}. Platform CPU ${c.cpuCores} cores, peak memory ${c.peakMemoryMiB} MiB.`;
}

export function statementLines(bench: BenchResult): string[] {
  const statements = bench.statements;
  if (!statements) return [];
  const services = Object.entries(statements.perCheckout)
    .map(([service, n]) => `${service} ${n}`)
    .join(', ');
  const top = statements.top
    .slice(0, 8)
    .map((t) => `${t.perCheckout} ${t.service}: \`${t.query}\``)
    .join('; ');
  return [
    '',
    `**Statements per checkout** (pg_stat_statements over the open loop's ${statements.checkouts} checkouts, each with its cart change; background pollers included): ${statements.total} in all: ${services}. Most frequent: ${top}.`,
  ];
}

export function failoverLines(bench: BenchResult): string[] {
  const failover = bench.failover;
  if (!failover) return [];
  if (!ok(failover)) return ['', `**Failover** failed: ${firstLine(failover.error)}`];
  const f = failover;
  return [
    '',
    `**Failover**: browse mix (80% product reads, 20% searches) at ${f.rate}/s through load balancer + gateway onto 2 product instances; ${f.killed} SIGKILLed at ${f.killAtSec} s of ${f.durationSec} s. ${f.failed} of ${f.requests} requests failed${failuresNote(f)}. The gateway ${deadAttempts(f)}; the launcher's replacement answered on the same port ${f.replacementUpMs === undefined ? 'not within the run' : `${f.replacementUpMs} ms after the kill`}. Latency p50 / p99 before the kill ${f.latencyMs.beforeP50} / ${f.latencyMs.beforeP99} ms, after ${f.latencyMs.afterP50} / ${f.latencyMs.afterP99} ms.`,
  ];
}

/** The failures by status and when they were sent; nothing when none failed. */
function failuresNote(f: FailoverResult): string {
  if (f.failed === 0) return '';
  const early =
    f.failedBeforeKill > 0
      ? `; ${f.failedBeforeKill} of them before the kill: the offered rate was more than this machine could serve, so lower --failover-rate`
      : '';
  return ` (${outcomes(f.failedByStatus)}, sent from ${f.failuresFromMs} to ${f.failuresToMs} ms after the kill${early})`;
}

function deadAttempts(f: FailoverResult): string {
  return f.attemptsOnDead > 0
    ? `sent ${f.attemptsOnDead} attempt(s) to the dead instance (each refused and ejected it again, and was retried on the other), the last ${f.lastAttemptOnDeadMs} ms after the kill`
    : 'sent no attempt to the dead instance';
}

export function eventLines(bench: BenchResult): string[] {
  if (!bench.events || bench.events.length === 0) return [];
  return [
    '',
    "**Event lag**, publish to committed effect through a consumer group and inbox (measureEventLag; scratch databases on the platform's PostgreSQL, JetStream on the machine's nats-server):",
    '',
    '| backend | asked / published per s | events measured | p50 ms | p90 ms | p99 ms | max ms | missing |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...bench.events.map((e) =>
      'error' in e
        ? `| ${e.backend} | failed: ${firstLine(e.error)} | | | | | | |`
        : `| ${e.backend} | ${e.rate} / ${e.publishedRate} | ${e.events} | ${e.p50Ms} | ${e.p90Ms} | ${e.p99Ms} | ${e.maxMs} | ${e.missing} |`,
    ),
  ];
}
