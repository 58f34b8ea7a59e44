// Writes a run: bench/results/<date>.json and .md, and the block of
// docs/performance.md between <!-- bench:start --> and <!-- bench:end -->.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from './platform.ts';
import { renderMarkdown, type BenchResult } from './report.ts';

export const resultsDir = join(repoRoot, 'bench', 'results');

export function stampOf(bench: BenchResult): string {
  return bench.date.replaceAll(':', '-').slice(0, 19);
}

export async function writeResults(bench: BenchResult, options: { docs: boolean }): Promise<string> {
  const markdown = renderMarkdown(bench);
  const stamp = stampOf(bench);
  await mkdir(resultsDir, { recursive: true });
  await writeFile(join(resultsDir, `${stamp}.json`), `${JSON.stringify(bench, null, 2)}\n`);
  await writeFile(join(resultsDir, `${stamp}.md`), `# Bench ${bench.date}\n\n${markdown}\n`);
  if (options.docs) {
    const docPath = join(repoRoot, 'docs', 'performance.md');
    const doc = await readFile(docPath, 'utf8');
    const block = `<!-- bench:start -->\n${markdown}\n<!-- bench:end -->`;
    const pattern = /<!-- bench:start -->[\s\S]*<!-- bench:end -->/;
    await writeFile(docPath, pattern.test(doc) ? doc.replace(pattern, () => block) : `${doc}\n${block}\n`);
  }
  return markdown;
}
