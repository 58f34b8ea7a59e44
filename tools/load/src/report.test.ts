// The load report's HTML: the figures by request kind a reader checks, and
// the overload verdict the bench's markdown quotes back from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { overloadSection, overloadVerdict, renderReport, verdictOf, type OverloadStep } from './report.ts';
import { Stats } from './stats.ts';

function stats(): Stats {
  const s = new Stats(0);
  for (let i = 1; i <= 100; i++) s.record('product', 0, i, 200);
  s.record('checkout', 10, 60, 503);
  s.record('checkout', 10, 30, 201);
  s.record('checkout', 10, 20, undefined);
  return s;
}

/** The cells of the by-kind table row for `kind`. */
function kindRow(html: string, kind: string): string[] {
  const row = new RegExp(`<tr><td>${kind}</td>(.*?)</tr>`).exec(html);
  assert.ok(row, `no row for ${kind}`);
  return [...row[1]!.matchAll(/<td>(.*?)<\/td>/g)].map((m) => m[1]!);
}

test('each request kind has its counts, percentiles and statuses', () => {
  const html = renderReport('Load: day', stats(), [['target', 'http://x']]);
  assert.deepEqual(kindRow(html, 'product'), ['100', '100', '0', '51.0', '91.0', '100.0', '200: 100']);
  assert.deepEqual(kindRow(html, 'checkout'), ['3', '1', '2', '20.0', '50.0', '50.0', '503: 1, 201: 1, transport: 1']);
});

test('the title and summary are escaped, and the extra part is kept', () => {
  const html = renderReport('<Load & "more">', stats(), [['verdict', 'a < b']], '<p>extra</p>');
  assert.match(html, /<title>&#60;Load &#38; &#34;more&#34;&#62;<\/title>/);
  assert.match(html, /<tr><th>verdict<\/th><td>a &#60; b<\/td><\/tr>/);
  assert.match(html, /<p>extra<\/p>\n<\/body>/);
});

test('the overload steps are tabled, and verdictOf reads back the verdict the section states', () => {
  const verdict = 'missed: goodput at 3x is 85% of peak (target 90%)';
  const section = overloadSection(
    [
      { factor: 1, offered: 400, goodput: 390, shed: 0, errors: 0, p99Admitted: 12.34 },
      { factor: 3, offered: 1200, goodput: 331, shed: 800, errors: 2, p99Admitted: 80 },
    ],
    verdict,
  );
  assert.match(section, /<tr><td>3x<\/td><td>1200<\/td><td>331<\/td><td>800<\/td><td>2<\/td><td>80\.0<\/td><\/tr>/);
  assert.match(section, /<td>12\.3<\/td>/);
  const html = renderReport('Overload', stats(), [['verdict', verdict]], section);
  assert.equal(verdictOf(html), verdict);
  assert.equal(verdictOf(renderReport('Load: day', stats(), [])), undefined);
});

function step(factor: number, goodput: number, p99Admitted: number): OverloadStep {
  return { factor, offered: factor * 400, goodput, shed: 0, errors: 0, p99Admitted };
}
const quiet = { ms: 100, of: 'the day mix' };

test('at 3x, goodput of at least 95% of peak and an admitted p99 of at most 2x the quiet one is met', () => {
  const verdict = overloadVerdict([step(1, 400, 50), step(2, 420, 90), step(3, 400, 200)], quiet);
  assert.equal(
    verdict,
    'met: goodput at 3x is 95% of peak; admitted p99 at 3x 200.0 ms, 2.0x the quiet p99 (100.0 ms, the day mix)',
  );
});

test('a miss on either part is a miss, each saying by how much', () => {
  assert.match(
    overloadVerdict([step(1, 400, 50), step(3, 360, 150)], quiet),
    /^missed: goodput at 3x is 90% of peak \(target 95%: missed by 5 points\); admitted p99 at 3x 150\.0 ms, 1\.5x/,
  );
  assert.match(
    overloadVerdict([step(1, 400, 50), step(3, 400, 450)], quiet),
    /^missed: goodput at 3x is 100% of peak; admitted p99 at 3x 450\.0 ms, 4\.5x the quiet p99 \(100\.0 ms, the day mix\) \(target 2x: missed by 250\.0 ms\)$/,
  );
  assert.match(overloadVerdict([step(3, 0, 0)], quiet), /^missed: goodput at 3x is 0% of peak/);
});

test("the new target's verdict is read back too, apostrophe and all", () => {
  const verdict = overloadVerdict([step(1, 400, 50), step(3, 400, 150)], quiet);
  const html = renderReport('Overload', stats(), [], overloadSection([step(3, 400, 150)], verdict));
  assert.match(html, /goodput at least 95% of peak, and the admitted requests' p99 within 2x the quiet p99\./);
  assert.equal(verdictOf(html), verdict);
  const earlier = '<p>Target: at 3x saturation, goodput at least 90% of peak. met: goodput at 3x is 93% of peak.</p>';
  assert.equal(verdictOf(earlier), 'met: goodput at 3x is 93% of peak');
});

test('verdictOf reads the overload reports already in bench/results', async () => {
  const dir = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('-overload.html'));
  for (const file of files) {
    const html = await readFile(`${dir}${file}`, 'utf8');
    assert.match(verdictOf(html) ?? '', /^(met|missed): goodput at 3x is \d+% of peak/, file);
  }
});
