// Writes a run: bench/results/<date>.json and .md, and the README's block
// between <!-- bench:start --> and <!-- bench:end -->.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from './platform.ts';
import { renderMarkdown, type BenchResult } from './report.ts';

export const resultsDir = join(repoRoot, 'bench', 'results');

export function stampOf(bench: BenchResult): string {
  return bench.date.replaceAll(':', '-').slice(0, 19);
}

export async function writeResults(bench: BenchResult, options: { readme: boolean }): Promise<string> {
  const markdown = renderMarkdown(bench);
  const stamp = stampOf(bench);
  await mkdir(resultsDir, { recursive: true });
  await writeFile(join(resultsDir, `${stamp}.json`), `${JSON.stringify(bench, null, 2)}\n`);
  await writeFile(join(resultsDir, `${stamp}.md`), `# Bench ${bench.date}\n\n${markdown}\n`);
  if (options.readme) {
    const readmePath = join(repoRoot, 'README.md');
    const readme = await readFile(readmePath, 'utf8');
    const block = `<!-- bench:start -->\n${markdown}\n<!-- bench:end -->`;
    const pattern = /<!-- bench:start -->[\s\S]*<!-- bench:end -->/;
    await writeFile(
      readmePath,
      pattern.test(readme) ? readme.replace(pattern, () => block) : `${readme}\n## Performance\n\n${block}\n`,
    );
  }
  return markdown;
}
