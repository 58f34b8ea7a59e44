// Renders a stored run again (after a change to the report): its .md and, with
// --docs, the block in docs/performance.md. Run: node tools/bench/src/render.ts bench/results/<date>.json [--docs]
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { BenchResult } from './benchResult.ts';
import { writeResults } from './results.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { docs: { type: 'boolean', default: false } },
});
const file = positionals[0];
if (!file) throw new Error('usage: node tools/bench/src/render.ts bench/results/<date>.json [--docs]');
const bench = JSON.parse(await readFile(file, 'utf8')) as BenchResult;
process.stdout.write(`${await writeResults(bench, { docs: values.docs })}\n`);
