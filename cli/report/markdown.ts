/**
 * REPORT.md: the setup, a table of final accuracies, the figures, and conclusions computed from the
 * numbers in results.json (every number shown is one of results.json's, in % with two decimals).
 */
import type { StudyResults } from '../study-results.ts';
import { SUMMARY_FILE, curvesFile } from './charts.ts';
import { ORIGINAL } from './original.ts';
import type { Stat, VariantSummary } from './summary.ts';

/** A fraction as a percentage with two decimals: the only way the report prints accuracies. */
export const pct = (v: number): string => (100 * v).toFixed(2);
const withStd = (s: Stat, format = pct): string => (s.std === null ? format(s.mean) : `${format(s.mean)} ± ${format(s.std)}`);
const signed = (v: number): string => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(2)}`;

function duration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  return m ? `${m} min ${Math.round(seconds - 60 * m)} s` : `${seconds.toFixed(1)} s`;
}

function setup(r: StudyResults): string {
  const c = r.config;
  const sizes = r.sizes ? ` (${r.sizes.train.toLocaleString('en')} train / ${r.sizes.validation.toLocaleString('en')} validation / ${r.sizes.test.toLocaleString('en')} test images)` : '';
  const decay = c.decoupled ? 'decoupled (AdamW-style)' : 'coupled L2';
  const optimizer = c.optimizer === 'sgd' ? `SGD (momentum ${c.momentum})` : c.optimizer === 'adam' ? 'Adam' : 'AdamW';
  const adapter = r.adapter ? `${r.adapter.adapter.vendor} ${r.adapter.adapter.architecture}`.trim() || 'unnamed adapter' : 'unknown';
  const browser = /(?:Headless)?Chrome\/[\d.]+/.exec(r.adapter?.userAgent ?? '')?.[0] ?? 'unknown browser';
  return [
    `${c.dataset}${sizes}, ${c.epochs} epoch${c.epochs > 1 ? 's' : ''}, batch ${c.batchSize}, ${optimizer} lr ${c.lr}, ` +
      `dropout p ${c.dropout}, weight decay λ ${c.weightDecay} (${decay}), seed${c.seeds.length > 1 ? 's' : ''} ${c.seeds.join(', ')}.`,
    `Evaluation: ${c.quirks ? "the original study's (dropout active, batch-norm batch statistics on shuffled batches)" : 'correct (dropout off, batch-norm running statistics)'}.`,
    `Device: WebGPU on ${adapter} in ${browser}. Wall time ${duration(r.wallSeconds)}.`,
  ].join('\n');
}

function table(r: StudyResults): string {
  const rows = r.config.variants.map((v) => {
    const runs = r.runs.filter((run) => run.variant === v);
    const diverged = runs.filter((run) => run.status === 'diverged').map((run) => `seed ${run.seed} diverged`);
    const s = r.summary?.[v];
    const status = [s ? `${s.seeds.length} seed${s.seeds.length > 1 ? 's' : ''}` : '', ...diverged].filter(Boolean).join('; ');
    if (!s) return `| ${v} | — | — | — | — | ${status || 'not run'} |`;
    return `| ${v} | ${withStd(s.trainAccuracy)} | ${s.validationAccuracy ? withStd(s.validationAccuracy) : '—'} | ${withStd(s.testAccuracy)} | ${withStd(s.gap)} | ${status} |`;
  });
  return [
    '| variant | train % | validation % | test % | train − test (pp) | runs |',
    '|---|---:|---:|---:|---:|---|',
    ...rows,
  ].join('\n');
}

function extremes(entries: [string, VariantSummary][], pick: (s: VariantSummary) => number): { best: [string, number]; worst: [string, number] } {
  const sorted = entries.map(([v, s]) => [v, pick(s)] as [string, number]).sort((a, b) => b[1] - a[1]);
  return { best: sorted[0]!, worst: sorted.at(-1)! };
}

function conclusions(r: StudyResults): string[] {
  const entries = r.config.variants.filter((v) => r.summary?.[v]).map((v) => [v, r.summary![v]!] as [string, VariantSummary]);
  const lines: string[] = [];
  if (!entries.length) lines.push('- No variant completed.');
  else if (entries.length === 1) lines.push(`- Only ${entries[0]![0]} completed: nothing to compare it with.`);
  else lines.push(...ranks(entries));
  for (const run of r.runs.filter((x) => x.status === 'diverged')) lines.push(`- ${run.variant} (seed ${run.seed}) diverged: ${run.error}`);
  return lines;
}

/** Best and worst variants on train and test, the train–test gaps, and the test ranking. */
function ranks(entries: [string, VariantSummary][]): string[] {
  const lines: string[] = [];
  const test = extremes(entries, (s) => s.testAccuracy.mean);
  const train = extremes(entries, (s) => s.trainAccuracy.mean);
  const gap = extremes(entries, (s) => s.gap.mean);
  lines.push(`- Test accuracy: best **${test.best[0]}** (${pct(test.best[1])}%), worst **${test.worst[0]}** (${pct(test.worst[1])}%).`);
  lines.push(`- Train accuracy: best **${train.best[0]}** (${pct(train.best[1])}%), worst **${train.worst[0]}** (${pct(train.worst[1])}%).`);
  lines.push(`- Train − test gap: largest **${gap.best[0]}** (${pct(gap.best[1])} pp), smallest **${gap.worst[0]}** (${pct(gap.worst[1])} pp).`);
  lines.push(`- Ranking by test accuracy: ${byTest(entries.map(([v, s]) => [v, s.testAccuracy.mean])).join(' > ')}.`);
  return lines;
}

/** Variant names by descending accuracy. */
function byTest(accuracies: [string, number][]): string[] {
  return [...accuracies].sort((a, b) => b[1] - a[1]).map(([v]) => v);
}

function comparison(r: StudyResults): string[] {
  const c = r.config;
  if (c.dataset !== ORIGINAL.dataset) return [`The original study used ${ORIGINAL.dataset}; this run used ${c.dataset}, so there is nothing to compare with.`];
  const compared: string[] = c.variants.filter((v) => r.summary?.[v] && ORIGINAL.accuracy[v]);
  if (!compared.length) return [];
  const rows = compared.map((v) => {
    const s = r.summary![v]!;
    const o = ORIGINAL.accuracy[v]!;
    const train = Number(pct(s.trainAccuracy.mean));
    const test = Number(pct(s.testAccuracy.mean));
    return `| ${v} | ${o.train.toFixed(2)} | ${o.test.toFixed(2)} | ${pct(s.trainAccuracy.mean)} | ${pct(s.testAccuracy.mean)} | ${signed(train - o.train)} | ${signed(test - o.test)} |`;
  });
  const ranking = byTest(compared.map((v) => [v, r.summary![v]!.testAccuracy.mean]));
  const originalRanking = byTest(compared.map((v) => [v, ORIGINAL.accuracy[v]!.test]));
  const count = (holds: (s: VariantSummary, o: { train: number; test: number }) => boolean) =>
    `${compared.filter((v) => holds(r.summary![v]!, ORIGINAL.accuracy[v]!)).length} of ${compared.length}`;
  const notes = [
    `- Test ranking here: ${ranking.join(' > ')}; in the original: ${originalRanking.join(' > ')} (${ranking.join() === originalRanking.join() ? 'the same' : 'different'}).`,
    `- This run trained ${c.epochs} epoch${c.epochs > 1 ? 's' : ''}, the original ${ORIGINAL.epochs}: train accuracy is below the original's for ` +
      `${count((s, o) => Number(pct(s.trainAccuracy.mean)) < o.train)} variants, test accuracy for ${count((s, o) => Number(pct(s.testAccuracy.mean)) < o.test)}, ` +
      `and the train − test gap is smaller for ${count((s, o) => Number(pct(s.gap.mean)) < o.train - o.test)}.`,
  ];
  if (!c.quirks) notes.push("- The original measured dropout's test accuracy with dropout active and batch norm's with batch statistics; this run evaluates correctly (`--quirks` reproduces the original's evaluation).");
  return [
    `Against the original study (${ORIGINAL.dataset}, PyTorch on CPU, ${ORIGINAL.epochs} epochs, accuracies in %; Δ in percentage points):`,
    '',
    '| variant | original train | original test | this train | this test | Δ train | Δ test |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    ...notes,
  ];
}

export function renderReport(r: StudyResults): string {
  const figures = [
    `![Final accuracies per variant](${SUMMARY_FILE})`,
    ...r.config.variants.map((v) => `![${v}: accuracy and loss per epoch](${curvesFile(v)})`),
  ];
  return [
    '# LeNet-5 regularization study',
    '',
    setup(r),
    '',
    '## Final accuracies',
    '',
    table(r),
    '',
    `Train accuracy is the mean over the last epoch's training batches in training mode (as the original measured it); validation and test accuracy are measured after the last epoch.${r.config.seeds.length > 1 ? ' Values are mean ± sample standard deviation over seeds.' : ''}`,
    '',
    '## Figures',
    '',
    ...figures.flatMap((f) => [f, '']),
    '## Conclusions',
    '',
    ...conclusions(r),
    '',
    ...comparison(r),
    '',
  ].join('\n');
}
