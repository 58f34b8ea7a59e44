// npm run bench: every scenario side by side in one run, each with warm-up, a
// fixed duration and connection count, and ratios to bare node:http measured
// in the same run. Results: bench/results/<date>.json and .md, and the README.
import { cpus, totalmem } from 'node:os';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measure } from './measure.ts';
import { renderMarkdown, type BenchResult } from './report.ts';
import { scenarios } from './scenarios.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    connections: { type: 'string', default: '50' },
    single: { type: 'string', default: '2000' },
    only: { type: 'string' },
    'no-readme': { type: 'boolean', default: false },
  },
});
const settings = { durationSec: Number(values.duration), warmupSec: Number(values.warmup), connections: Number(values.connections), singleRequests: Number(values.single) };
const only = values.only?.split(',');

const bench: BenchResult = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform} ${process.arch}` },
  settings,
  scenarios: [],
};

for (const scenario of scenarios.filter((s) => !only || only.includes(s.key) || s.key === 'bare')) {
  process.stdout.write(`bench: ${scenario.name} ... `);
  let running;
  try {
    running = await scenario.start();
    const result = await measure({ url: running.url, pids: running.pids, ...settings });
    bench.scenarios.push({ key: scenario.key, name: scenario.name, result });
    process.stdout.write(`${result.requestsPerSec} req/s, p99 ${result.latencyMs.p99} ms, single p50 ${result.singleMs.p50} ms\n`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    bench.scenarios.push({ key: scenario.key, name: scenario.name, result: { error: message } });
    process.stdout.write(`failed: ${message.split('\n')[0]}\n`);
  } finally {
    await running?.stop();
  }
}

const markdown = renderMarkdown(bench);
const dir = join(repoRoot, 'bench', 'results');
await mkdir(dir, { recursive: true });
const stamp = bench.date.replaceAll(':', '-').slice(0, 19);
await writeFile(join(dir, `${stamp}.json`), `${JSON.stringify(bench, null, 2)}\n`);
await writeFile(join(dir, `${stamp}.md`), `# Bench ${bench.date}\n\n${markdown}\n`);
if (!values['no-readme']) {
  const readmePath = join(repoRoot, 'README.md');
  const readme = await readFile(readmePath, 'utf8');
  const block = `<!-- bench:start -->\n${markdown}\n<!-- bench:end -->`;
  const updated = /<!-- bench:start -->[\s\S]*<!-- bench:end -->/.test(readme) ? readme.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, block) : `${readme}\n## Performance\n\n${block}\n`;
  await writeFile(readmePath, updated);
}
process.stdout.write(`\n${markdown}\n\nwritten to bench/results/${stamp}.{json,md}\n`);
process.exit(0);
