// The report's last part: each of the targets, recorded (not
// asserted) as met or missed by how much.
import type { Measurement } from './measure.ts';
import { ok, signed, verdict, type RunView } from './reportFormat.ts';
import { overloadScenarioTargets } from './reportOverload.ts';

/** The targets list, heading first. */
export function targetLines(view: RunView): string[] {
  return [
    '',
    '**Against the targets** (recorded, not asserted; a miss says by how much):',
    '',
    ...meshCostLines(view),
    ...throughputLines(view),
    checkoutTarget(view),
    overloadTarget(view),
    ...overloadScenarioTargets(view.bench),
  ];
}

/** The call is what the target is about: against the kit front with a plain undici Pool, only the client (mTLS, policies, span) differs. */
function meshCostLines(view: RunView): string[] {
  const raw = view.get('chain-raw');
  const kitPool = view.get('chain-kit-pool');
  const mesh = view.get('chain-mesh');
  const callBase = kitPool ?? raw;
  if (!callBase || !mesh) return [];
  const addP50 = mesh.singleMs.p50 - callBase.singleMs.p50;
  const addP99 = mesh.singleMs.p99 - callBase.singleMs.p99;
  const against = kitPool
    ? 'the same platform-kit front calling through a plain keep-alive undici Pool'
    : 'the raw chain (bare Fastify front: the kit front is counted too)';
  const rawNote =
    kitPool && raw
      ? ` Against the raw chain, which also drops the kit front: ${signed(mesh.singleMs.p50 - raw.singleMs.p50)} ms p50, ${signed(mesh.singleMs.p99 - raw.singleMs.p99)} ms p99.`
      : '';
  return [
    `- Mesh cost per call (mTLS + policies + span) over a raw undici call, one in flight, against ${against}: ${signed(addP50)} ms p50 (target at most +0.05: ${verdict(addP50 <= 0.05, addP50 - 0.05, 'ms')}), ${signed(addP99)} ms p99 (target at most +0.10: ${verdict(addP99 <= 0.1, addP99 - 0.1, 'ms')}).${rawNote}`,
  ];
}

/** Gateway, two hops and lb + gateway as shares of bare node:http; the first two against Moleculer too. */
function throughputLines(view: RunView): string[] {
  const lines: string[] = [];
  const gateway = view.get('product-gateway');
  if (gateway)
    lines.push(
      `- Gateway -> service (the real gateway and product instance, full mesh): ${shareOfBare(view.ratioOf(gateway), 0.3, 'bare node:http')}; ${versusMoleculer(view, gateway)}.`,
    );
  const mesh = view.get('chain-mesh');
  if (mesh && view.get('bare'))
    lines.push(
      `- Two hops through the full mesh (fixtures, the same read as the Moleculer rows): ${shareOfBare(view.ratioOf(mesh), 0.3)}; ${versusMoleculer(view, mesh)}.`,
    );
  const lb = view.get('product-lb');
  lines.push(
    lb
      ? `- Product read through load balancer + gateway + service: ${shareOfBare(view.ratioOf(lb), 0.25)}.`
      : '- Product read through load balancer + gateway + service: not in this run.',
  );
  return lines;
}

/** "0.35 of bare (target at least 0.30: met)"; without a bare row that ran, no ratio. */
function shareOfBare(ratio: number | undefined, min: number, bare = 'bare'): string {
  if (ratio === undefined) return `no ratio: bare node:http did not run (target at least ${min.toFixed(2)} of bare)`;
  return `${ratio.toFixed(2)} of ${bare} (target at least ${min.toFixed(2)}: ${verdict(ratio >= min, min - ratio, 'of bare')})`;
}

function versusMoleculer(view: RunView, m: Measurement): string {
  const nats = view.get('moleculer-nats');
  const tcp = view.get('moleculer-tcp');
  const overNats = nats
    ? m.requestsPerSec >= nats.requestsPerSec
      ? 'ahead of Moleculer over NATS'
      : `behind Moleculer over NATS (${view.ratio(nats)}) by ${nats.requestsPerSec - m.requestsPerSec} req/s`
    : 'Moleculer over NATS did not run';
  const overTcp = tcp
    ? m.requestsPerSec >= tcp.requestsPerSec
      ? ', and over TCP'
      : `; Moleculer over TCP ${view.ratio(tcp)}`
    : '';
  return `${overNats}${overTcp}`;
}

function checkoutTarget(view: RunView): string {
  const checkout = view.bench.checkout;
  if (!checkout || !ok(checkout)) return '- Checkout p99 at 200 checkouts/s: not in this run.';
  const p99 = checkout.checkoutMs.p99;
  const busy = checkout.outcomes['no free shopper'] ?? 0;
  const unsent = busy > 0 ? ` (${busy} arrivals found every shopper busy and were not sent)` : '';
  return `- Checkout p99 at ${checkout.rate} checkouts/s: ${p99} ms (target under 50 ms: ${verdict(p99 < 50, p99 - 50, 'ms')})${unsent}.`;
}

const OVERLOAD_TARGET =
  "At 3x saturation, goodput at least 95% of peak and the admitted requests' p99 within 2x the quiet p99";

function overloadTarget(view: RunView): string {
  const overload = view.bench.overload;
  return overload
    ? `- ${OVERLOAD_TARGET}: ${overload.verdict} (${overload.command}; report ${overload.report}).`
    : `- ${OVERLOAD_TARGET}: not part of this run. Get it with \`npm start\` and \`npm run load -- --overload\` (verdict printed, report in bench/load/), or \`npm run bench -- --overload\` to run it against the bench platform.`;
}
