/**
 * REPORT.md: the setup, a table of final accuracies, the figures, and conclusions computed from the
 * numbers in results.json (every number shown is one of results.json's, in % with two decimals).
 */
import type { StudyResults } from '../study-results.ts';
import { SUMMARY_FILE, curvesFile } from './charts.ts';
import { ORIGINAL } from './original.ts';
import type { Estimate } from '../../src/study/statistics.ts';
import type { Stat } from './summary.ts';

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

/** A test accuracy with its 95% interval, and how the interval was made. */
function testCell(e: Estimate | null | undefined): string {
  if (!e) return '—';
  const value = e.std === null ? pct(e.mean) : `${pct(e.mean)} ± ${pct(e.std)}`;
  return e.ci95 ? `${value} [${pct(e.ci95[0])}, ${pct(e.ci95[1])}]` : value;
}

function table(r: StudyResults): string {
  const rows = r.config.variants.map((v) => {
    const runs = r.runs.filter((run) => run.variant === v);
    const diverged = runs.filter((run) => run.status === 'diverged').map((run) => `seed ${run.seed} diverged`);
    const s = r.summary?.[v];
    const status = [s ? `${s.seeds.length} seed${s.seeds.length > 1 ? 's' : ''}` : '', ...diverged].filter(Boolean).join('; ');
    if (!s) return `| ${v} | — | — | — | — | ${status || 'not run'} |`;
    return `| ${v} | ${withStd(s.trainAccuracy)} | ${s.validationAccuracy ? withStd(s.validationAccuracy) : '—'} | ${testCell(r.statistics?.[v]?.testAccuracy)} | ${withStd(s.gap)} | ${status} |`;
  });
  return [
    '| variant | train % | validation % | test % [95% interval] | train − test (pp) | runs |',
    '|---|---:|---:|---:|---:|---|',
    ...rows,
  ].join('\n');
}

function intervalNote(r: StudyResults): string {
  return r.config.seeds.length > 1
    ? 'Values are mean ± sample standard deviation over seeds; the test interval is the 95% Student-t interval of the mean over seeds.'
    : "One seed: the test interval is only the binomial error of the test images (p ± 1.96·√(p(1−p)/N)); seed-to-seed variation is not measured.";
}

function warnings(r: StudyResults): string[] {
  if (!r.warnings?.length) return [];
  return ['> **Read with care.**', ...r.warnings.map((w) => `> - ${w}`), ''];
}

function conclusions(r: StudyResults): string[] {
  return (r.claims ?? []).map((c) => `- ${c}`);
}

function verdicts(r: StudyResults): string[] {
  if (!r.verdicts?.length) return [];
  return [
    `## The original study's conclusions, checked`,
    '',
    `Each is **supported** when this run's 95% intervals establish it, **contradicted** when they establish the opposite, and otherwise **not established**.`,
    '',
    '| claim | verdict | evidence |',
    '|---|---|---|',
    ...r.verdicts.map((v) => `| ${v.claim} | **${v.verdict}** | ${v.evidence.replaceAll('|', '\\|')} |`),
    '',
    r.config.quirks
      ? "This run used the original's evaluation (`--quirks`: dropout active, batch statistics of shuffled test batches); run without it to see how the dropout and batch-norm verdicts move under correct evaluation."
      : "This run evaluated correctly (dropout off, batch-norm running statistics); the original measured dropout's test accuracy with dropout active and batch norm's with batch statistics — `--quirks` reproduces that, to see how the dropout and batch-norm verdicts move.",
    '',
  ];
}

function validationChoice(r: StudyResults): string[] {
  if (!r.bestValidation?.length) return [];
  return [
    '## Choosing the number of epochs by validation',
    '',
    '| variant | best validation epoch | validation % there | test % there | test % at the last epoch |',
    '|---|---:|---:|---:|---:|',
    ...r.bestValidation.map((b) => `| ${b.variant} | ${b.epoch} of ${b.epochs} | ${pct(b.validationAccuracy)} | ${pct(b.testAccuracy)} | ${pct(b.finalTestAccuracy)} |`),
    '',
  ];
}

/** The original's numbers beside this run's: a comparison of budgets, not a confirmation of anything. */
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
  const budget = c.epochs === ORIGINAL.epochs && (r.sizes?.train ?? 0) >= 48_000
    ? 'This run has the original\'s budget (epochs and training images); the original reports one run without intervals, so a difference from it is not a test of anything.'
    : `This run trained ${c.epochs} epoch${c.epochs > 1 ? 's' : ''} on ${(r.sizes?.train ?? 0).toLocaleString('en')} images; the original ${ORIGINAL.epochs} epochs on 48,000. At a different budget these numbers neither confirm nor refute the original's; the verdicts above say what this run itself supports.`;
  return [
    `Against the original study (${ORIGINAL.dataset}, PyTorch on CPU, ${ORIGINAL.epochs} epochs, one run, accuracies in %; Δ in percentage points):`,
    '',
    '| variant | original train | original test | this train | this test | Δ train | Δ test |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `- ${budget}`,
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
    ...warnings(r),
    '## Final accuracies',
    '',
    table(r),
    '',
    `Train accuracy is the mean over the last epoch's training batches in training mode (as the original measured it); validation and test accuracy are measured after the last epoch. ${intervalNote(r)}`,
    '',
    '## Figures',
    '',
    ...figures.flatMap((f) => [f, '']),
    '## Conclusions',
    '',
    ...conclusions(r),
    '',
    ...verdicts(r),
    ...validationChoice(r),
    '## Against the original study',
    '',
    ...comparison(r),
    '',
  ].join('\n');
}
