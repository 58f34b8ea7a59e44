// The launcher's table: one line per process with its port, its ops port and its URL.
import type { DataLayer } from './dataLayer.ts';
import type { InstanceStatus } from './supervisor.ts';

/** The one table of what runs where (ops: the plain-HTTP /health, /ready, /metrics port on loopback). */
export function renderTable(
  instances: InstanceStatus[],
  dataLayer: Pick<DataLayer, 'kind' | 'pid' | 'port' | 'describe'> & { replicas?: string[] },
  urlOf: (instance: InstanceStatus) => string,
): string {
  const rows: string[][] = [['service', 'instance', 'region', 'pid', 'port', 'ops', 'url']];
  rows.push([
    'postgres',
    dataLayer.kind,
    '-',
    dataLayer.pid === undefined ? '-' : String(dataLayer.pid),
    String(dataLayer.port),
    '-',
    dataLayer.describe,
  ]);
  for (const replica of dataLayer.replicas ?? [])
    rows.push(['postgres', 'replica', '-', '-', new URL(replica).port || '5432', '-', replica]);
  for (const i of instances) {
    const pid = i.pid === undefined ? '-' : String(i.pid);
    const ops = i.opsPort === undefined ? '-' : String(i.opsPort);
    rows.push([i.service, i.id, i.region, pid, String(i.port), ops, urlOf(i)]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]): string =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}
