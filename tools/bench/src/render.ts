// Renders a stored run again (after a change to the report): its .md and, with
// --readme, the README block. Run: node tools/bench/src/render.ts bench/results/<date>.json [--readme]
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { BenchResult } from './report.ts';
import { writeResults } from './results.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { readme: { type: 'boolean', default: false } },
});
const file = positionals[0];
if (!file) throw new Error('usage: node tools/bench/src/render.ts bench/results/<date>.json [--readme]');
const bench = JSON.parse(await readFile(file, 'utf8')) as BenchResult;
process.stdout.write(`${await writeResults(bench, { readme: values.readme })}\n`);
