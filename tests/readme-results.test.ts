import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { StudyResults } from '../cli/study-results.ts';
import { DISPLAY_NAMES } from '../src/study/claims.ts';
import { REPO } from './support/pack.ts';

const test = suite('README results');

const STUDY = 'docs/study-fashion-5x3';
const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
const results = JSON.parse(readFileSync(join(REPO, STUDY, 'results.json'), 'utf8')) as StudyResults;

const f = (x: number) => (100 * x).toFixed(2);
const pm = (e: { mean: number; std: number | null }) => `${f(e.mean)} ± ${f(e.std!)}`.replace(/^-/, '−');

test("the README's study table is the committed study's results.json", () => {
  assert.is(results.status, 'complete');
  assert.equal([results.config.epochs, results.config.seeds.length], [5, 3]);
  for (const v of results.config.variants) {
    const s = results.summary![v]!;
    const ci = results.statistics![v]!.testAccuracy!.ci95!;
    const row = `| ${DISPLAY_NAMES[v]!.toLowerCase()} | ${pm(s.trainAccuracy)} | ${pm(s.validationAccuracy!)} | ${pm(s.testAccuracy)} [${f(ci[0])}, ${f(ci[1])}] | ${pm(s.gap)} |`;
    assert.ok(readme.includes(row), `README row for ${v}: ${row}`);
  }
});

test("the README's verdicts are the committed study's", () => {
  for (const v of results.verdicts!) assert.ok(readme.includes(`| ${v.claim} | **${v.verdict}**`), `${v.claim} → ${v.verdict}`);
});

test("the README's --quirks paragraph quotes the committed quirks.json", () => {
  const quirks = JSON.parse(readFileSync(join(REPO, `${STUDY}-quirks`, 'quirks.json'), 'utf8')) as {
    statistics: Record<'correct' | 'quirks', Record<string, { testAccuracy: { mean: number; ci95: [number, number] } }>>;
    verdicts: Record<'correct' | 'quirks', { claim: string; verdict: string }[]>;
  };
  const quoted = (e: { mean: number; ci95: [number, number] }) => `${f(e.mean)}% [${f(e.ci95[0])}, ${f(e.ci95[1])}]`;
  for (const v of ['dropout', 'batchnorm']) {
    const [a, b] = [quirks.statistics.correct[v]!.testAccuracy, quirks.statistics.quirks[v]!.testAccuracy];
    assert.ok(readme.includes(`from ${quoted(a)} to ${quoted(b)}`), `${v}: from ${quoted(a)} to ${quoted(b)}`);
  }
  const [bnBest, bnTrain, dropoutWorst] = quirks.verdicts.quirks.map((v) => v.verdict);
  assert.equal([bnBest, bnTrain, dropoutWorst], ['supported', 'not established', 'supported']);
  assert.equal(quirks.verdicts.correct.map((v) => v.verdict), results.verdicts!.slice(0, 3).map((v) => v.verdict));
});

test("the README's table against the peers is the committed idle-machine bench run", () => {
  const bench = JSON.parse(readFileSync(join(REPO, 'bench/results/peers-swiftshader-2core.json'), 'utf8')) as {
    quick: boolean;
    throughput: { engine: string; variant: string; batch: number; samplesPerSec: { median: number } }[];
    ratios: { variant: string; batch: number; fastestPeer: string; oursOverFastestPeer: { min: number; median: number; max: number } }[];
  };
  assert.not.ok(bench.quick, 'a --quick run is a smoke test, not figures');
  const rate = (engine: string, variant: string, batch: number) => bench.throughput.find((t) => t.engine === engine && t.variant === variant && t.batch === batch)?.samplesPerSec.median;
  const n = (x: number) => Math.round(x).toLocaleString('en');
  assert.is(bench.ratios.length, 8);
  for (const r of bench.ratios) {
    const x = r.oursOverFastestPeer;
    const jax = rate('jax-js', r.variant, r.batch);
    const row = `| ${DISPLAY_NAMES[r.variant]!.toLowerCase()} | ${r.batch} | ${n(rate('ours', r.variant, r.batch)!)} | ${r.fastestPeer} ${n(rate(r.fastestPeer, r.variant, r.batch)!)} `
      + `| ${x.median.toFixed(2)}× (${x.min.toFixed(2)}–${x.max.toFixed(2)}) | ${rate('tfjs-webgpu', r.variant, r.batch)!.toFixed(1)} | ${jax === undefined ? '—' : n(jax)} |`;
    assert.ok(readme.includes(row), `README row for ${r.variant} at ${r.batch}: ${row}`);
  }
});

test.run();
