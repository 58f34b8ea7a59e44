// Writes a run: bench/results/<date>.json and .md, and the block of
// docs/performance.md between <!-- bench:start --> and <!-- bench:end -->;
// with a CPU-taken-away run, its chart beside each (bench/results/<date>-cpu-
// taken-away.svg, and docs/overload.svg, which the doc's overload section shows).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from './platform.ts';
import { overloadChart } from './overloadChart.ts';
import type { BenchResult } from './benchResult.ts';
import { renderMarkdown } from './report.ts';
import { ok } from './reportFormat.ts';

export const resultsDir = join(repoRoot, 'bench', 'results');

export function stampOf(bench: BenchResult): string {
  return bench.date.replaceAll(':', '-').slice(0, 19);
}

export async function writeResults(bench: BenchResult, options: { docs: boolean }): Promise<string> {
  const stamp = stampOf(bench);
  const chart = chartOf(bench);
  const chartFile = `${stamp}-cpu-taken-away.svg`;
  const markdown = renderMarkdown(bench, chart && chartFile);
  await mkdir(resultsDir, { recursive: true });
  await writeFile(join(resultsDir, `${stamp}.json`), `${JSON.stringify(bench, null, 2)}\n`);
  await writeFile(join(resultsDir, `${stamp}.md`), `# Bench ${bench.date}\n\n${markdown}\n`);
  if (chart) await writeFile(join(resultsDir, chartFile), chart);
  if (options.docs) {
    if (chart) await writeFile(join(repoRoot, 'docs', 'overload.svg'), chart);
    const docPath = join(repoRoot, 'docs', 'performance.md');
    const doc = await readFile(docPath, 'utf8');
    // The chart is shown once, above the block (docs/performance.md's overload section links docs/overload.svg).
    const block = `<!-- bench:start -->\n${renderMarkdown(bench)}\n<!-- bench:end -->`;
    const pattern = /<!-- bench:start -->[\s\S]*<!-- bench:end -->/;
    await writeFile(docPath, pattern.test(doc) ? doc.replace(pattern, () => block) : `${doc}\n${block}\n`);
  }
  return markdown;
}

/** The CPU-taken-away chart of the run, if it has one. */
function chartOf(bench: BenchResult): string | undefined {
  const run = bench.cpuTakenAway;
  if (!ok(run)) return undefined;
  return overloadChart({
    title: `CPU taken away: the day mix at ${run.rate}/s, ${run.cores} cores, load average ${run.loadAverageAtStart} at the start (${bench.date.slice(0, 10)})`,
    seconds: run.seconds,
    phases: run.phases,
  });
}
