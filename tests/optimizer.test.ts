import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SeededRandom } from '../src/random.ts';
import type { Action, Program, ProgramResult } from './browser/harness.ts';
import { runOnGpu } from './support/browser.ts';
import { expectClose, expectIdentical } from './support/compare.ts';
import { randomF32, randomInt, suiteSeed } from './support/random.ts';
import { adamStep, sgdStep, type AdamHyper, type AdamState, type SgdHyper, type SgdState } from './reference/optimizer.ts';

const test = suite('optimizer');
const SEED = suiteSeed(601);

// Tolerances, for params and grads in [-1, 1], lr ≤ 1e-2 and 7 steps, GPU state compared after
// every step with the float64 reference iterated on its own from the same start:
// - param: each step rounds p − lr·Δ to f32 (≤ 6e-8·|p|) and the f32 update itself is off by a few
//   ulp (sqrt, divisions, bias corrections: ~1e-6 relative of a step of at most ~5·lr, ≤ 5e-8
//   for lr ≤ 1e-2). Seven steps stay well under rtol 1e-5. A param that ends near 0 was rounded at
//   the scale it moved through (≤ ~0.15 in all): 7 × half-ulp(0.15) ≈ 5e-8 is the atol.
// - m / velocity: sums of two f32 products per step, which can cancel towards 0, so the error is
//   relative to the largest magnitude the state reaches: |m| ≤ max|g| ≈ 1 (a convex combination
//   of gradients), |velocity| < max|g|/(1 − μ). atol: 2e-7 (a few half-ulps at 1) times that
//   scale; rtol 1e-5.
// - v: sums of non-negative terms do not cancel: a few ulp relative, rtol 1e-5; atol 1e-12
//   for elements whose gradients are all tiny.
const PARAM_TOL = { atol: 5e-8, rtol: 1e-5 };
const MOMENT_TOL = { atol: 2e-7, rtol: 1e-5 };
const velocityTol = (momentum: number) => ({ atol: MOMENT_TOL.atol / (1 - momentum), rtol: MOMENT_TOL.rtol });
const V_TOL = { atol: 1e-12, rtol: 1e-5 };

// 1, odd sizes, sizes below/around the 1024-element workgroup stride and not multiples of 4,
// LeNet-5's 61,706 parameters (61,990 with batch norm: ≡ 2 mod 4 as well).
const COUNTS = [1, 7, 1023, 61706];

/** Seven steps: t = 1..5 (bias correction changes fastest there), then larger t; lr varies. */
const SCHEDULE = [
  { step: 1, lr: 1e-3 },
  { step: 2, lr: 5e-3 },
  { step: 3, lr: 2e-3 },
  { step: 4, lr: 1e-2 },
  { step: 5, lr: 3e-4 },
  { step: 1000, lr: 1e-3 },
  { step: 20000, lr: 7e-3 },
].map((s) => ({ ...s, lr: Math.fround(s.lr) }));

function countsFor(rng: SeededRandom): number[] {
  return [...COUNTS, randomInt(rng, 2, 3000)];
}

/** Tensors for `count`: param/state from `init`, one gradient tensor per step, reads after each step. */
function program(
  count: number,
  op: { op: string; args: unknown[] },
  init: Record<string, number[]>,
  grads: number[][],
  stepArgs: (grad: string) => unknown[],
  readNames: string[],
): Program {
  const tensors: Program['tensors'] = {};
  for (const [name, data] of Object.entries(init)) tensors[name] = { shape: [count], data };
  grads.forEach((g, s) => (tensors[`grad${s}`] = { shape: [count], data: g }));
  const actions: Action[] = [];
  SCHEDULE.forEach(({ step, lr }, s) => {
    actions.push({ step: { step, seed: 0, lr, batch_start: 0 } });
    actions.push({ call: 'opt', method: 'step', args: stepArgs(`grad${s}`) });
    actions.push({ read: readNames, label: `t=${step}` });
  });
  return { tensors, ops: { opt: op }, actions };
}

function expectOk(result: ProgramResult): void {
  assert.not.ok(result.error, result.error?.message);
}

// ---- the reference against closed forms ----

test('reference: Adam first step moves every parameter by lr·g/(|g| + eps) ≈ lr·sign(g)', () => {
  const rng = new SeededRandom(SEED);
  const n = 50;
  const param = randomF32(rng, n);
  const grad = randomF32(rng, n, -2, 2);
  grad[0] = 1e-9; // comparable to eps: the step shrinks to lr·g/(|g| + eps)
  const zeros = new Array<number>(n).fill(0);
  const lr = 1e-3;
  const out = adamStep({ param, m: zeros, v: zeros }, grad, { lr, step: 1 });
  const moved = out.param.map((p, i) => p - param[i]!);
  expectClose(moved, grad.map((g) => (-lr * g) / (Math.abs(g) + 1e-8)), { atol: 0, rtol: 1e-9 }, 'Adam step 1 closed form');
  for (let i = 1; i < n; i++) assert.ok(Math.abs(moved[i]! + lr * Math.sign(grad[i]!)) < lr * 1e-6, `Adam step 1 ≈ −lr·sign(g) at ${i}`);
});

test('reference: Adam with a constant gradient moves lr·g/(|g| + eps) at every t (bias correction)', () => {
  const grad = [0.5, -2, 1e-3, -1e-5];
  let state: AdamState = { param: [0, 0, 0, 0], m: [0, 0, 0, 0], v: [0, 0, 0, 0] };
  const lr = 0.01;
  for (let t = 1; t <= 30; t++) {
    const next = adamStep(state, grad, { lr, step: t, beta1: 0.8, beta2: 0.99 });
    const moved = next.param.map((p, i) => p - state.param[i]!);
    expectClose(moved, grad.map((g) => (-lr * g) / (Math.abs(g) + 1e-8)), { atol: 0, rtol: 1e-9 }, `Adam constant gradient t=${t}`);
    state = next;
  }
});

test('reference: AdamW with zero gradient only decays: p_t = p_0·(1 − lr·wd)^t', () => {
  const p0 = [1, -0.5, 3];
  let state: AdamState = { param: p0, m: [0, 0, 0], v: [0, 0, 0] };
  for (let t = 1; t <= 5; t++) state = adamStep(state, [0, 0, 0], { lr: 0.1, step: t, weightDecay: 0.2, decoupled: true });
  expectClose(state.param, p0.map((p) => p * 0.98 ** 5), { atol: 0, rtol: 1e-12 }, 'AdamW pure decay');
});

test('reference: Adam L2 is Adam on grad + wd·param', () => {
  const state: AdamState = { param: [0.3, -0.7], m: [0.1, 0.2], v: [0.01, 0.03] };
  const grad = [0.4, -0.1];
  const coupled = adamStep(state, grad, { lr: 0.01, step: 3, weightDecay: 0.1 });
  const manual = adamStep(state, grad.map((g, i) => g + 0.1 * state.param[i]!), { lr: 0.01, step: 3 });
  expectClose(coupled.param, manual.param, { atol: 0, rtol: 1e-15 }, 'Adam L2 = Adam(grad + wd·p)');
});

test('reference: SGD momentum with a constant gradient follows the geometric series', () => {
  const g = 0.5;
  const mu = 0.9;
  const lr = 0.1;
  for (const nesterov of [false, true]) {
    let state: SgdState = { param: [1], velocity: null };
    let expected = 1;
    for (let t = 1; t <= 10; t++) {
      state = sgdStep(state, [g], { lr, momentum: mu, nesterov });
      const velocity = (g * (1 - mu ** t)) / (1 - mu);
      expected -= lr * (nesterov ? g + mu * velocity : velocity);
      expectClose(state.velocity!, [velocity], { atol: 0, rtol: 1e-12 }, `SGD velocity t=${t}`);
      expectClose(state.param, [expected], { atol: 0, rtol: 1e-12 }, `SGD ${nesterov ? 'nesterov' : 'momentum'} t=${t}`);
    }
  }
  const plain = sgdStep({ param: [2], velocity: null }, [0.5], { lr: 0.1, weightDecay: 0.01 });
  expectClose(plain.param, [2 * (1 - 0.1 * 0.01) - 0.1 * 0.5], { atol: 0, rtol: 1e-15 }, 'SGD weight decay');
  assert.is(plain.velocity, null);
});

// ---- GPU against the reference ----

const SGD_CONFIGS: Omit<SgdHyper, 'lr'>[] = [
  {},
  { weightDecay: 0.05 },
  { momentum: 0.9 },
  { momentum: 0.9, nesterov: true, weightDecay: 0.01 },
];

test('SGD matches the reference over 7 steps (plain, weight decay, momentum, nesterov)', async () => {
  const rng = new SeededRandom(SEED + 1);
  for (const config of SGD_CONFIGS) {
    for (const count of countsFor(rng)) {
      const momentum = (config.momentum ?? 0) > 0;
      const param = randomF32(rng, count);
      const grads = SCHEDULE.map(() => randomF32(rng, count));
      const init: Record<string, number[]> = { param };
      if (momentum) init.velocity = new Array<number>(count).fill(0);
      const result = await runOnGpu(program(
        count,
        { op: 'Sgd', args: [{ count, ...config }] },
        init,
        grads,
        (grad) => ['param', grad, momentum ? 'velocity' : null, '$step'],
        momentum ? ['param', 'velocity'] : ['param'],
      ));
      expectOk(result);
      // PyTorch's momentum buffer is absent before step 1; the GPU's zeroed velocity must agree.
      let state: SgdState = { param, velocity: null };
      SCHEDULE.forEach(({ step, lr }, s) => {
        state = sgdStep(state, grads[s]!, { lr, ...config });
        const read = result.reads[s]!.tensors;
        const context = `seed ${SEED + 1} count ${count} SGD ${JSON.stringify(config)} t=${step}`;
        expectClose(read.param!, state.param, PARAM_TOL, `param ${context}`);
        if (momentum) expectClose(read.velocity!, state.velocity!, velocityTol(config.momentum!), `velocity ${context}`);
      });
    }
  }
});

const ADAM_CONFIGS: Omit<AdamHyper, 'lr' | 'step'>[] = [
  {},
  { weightDecay: 0.001 },
  { weightDecay: 0.01, decoupled: true },
  { beta1: 0.5, beta2: 0.99, eps: 1e-6, weightDecay: 0.1, decoupled: false },
];

test('Adam, Adam + L2 and AdamW match the reference over 7 steps', async () => {
  const rng = new SeededRandom(SEED + 2);
  for (const config of ADAM_CONFIGS) {
    for (const count of countsFor(rng)) {
      const param = randomF32(rng, count);
      const grads = SCHEDULE.map(() => randomF32(rng, count));
      const zeros = new Array<number>(count).fill(0);
      const result = await runOnGpu(program(
        count,
        { op: 'Adam', args: [{ count, ...config }] },
        { param, m: zeros, v: zeros },
        grads,
        (grad) => ['param', grad, 'm', 'v', '$step'],
        ['param', 'm', 'v'],
      ));
      expectOk(result);
      let state: AdamState = { param, m: zeros, v: zeros };
      SCHEDULE.forEach(({ step, lr }, s) => {
        state = adamStep(state, grads[s]!, { lr, step, ...config });
        const read = result.reads[s]!.tensors;
        const context = `seed ${SEED + 2} count ${count} Adam ${JSON.stringify(config)} t=${step}`;
        expectClose(read.param!, state.param, PARAM_TOL, `param ${context}`);
        expectClose(read.m!, state.m, MOMENT_TOL, `m ${context}`);
        expectClose(read.v!, state.v, V_TOL, `v ${context}`);
      });
    }
  }
});

test('the vec4 body and the scalar tail round identically', async () => {
  // count 11: elements 0..7 go through vec4s, 8..10 through the tail; 8..10 repeat 0..2's inputs.
  const rng = new SeededRandom(SEED + 3);
  const head = (n: number) => randomF32(rng, n);
  const repeat = (a: number[]) => [...a.slice(0, 8), ...a.slice(0, 3)];
  const count = 11;
  const [param, m, v] = [repeat(head(8)), repeat(head(8)), repeat(head(8).map(Math.abs))];
  const grads = SCHEDULE.map(() => repeat(head(8)));
  const result = await runOnGpu(program(
    count,
    { op: 'Adam', args: [{ count, weightDecay: 0.01 }] },
    { param, m, v },
    grads,
    (grad) => ['param', grad, 'm', 'v', '$step'],
    ['param', 'm', 'v'],
  ));
  expectOk(result);
  for (const read of result.reads) {
    for (const name of ['param', 'm', 'v']) {
      const t = read.tensors[name]!;
      expectIdentical(t.slice(8), t.slice(0, 3), `seed ${SEED + 3} ${name} tail vs body ${read.label}`);
    }
  }
});

// ---- errors ----

async function constructionError(op: string, config: unknown): Promise<string> {
  const result = await runOnGpu({ tensors: {}, ops: { opt: { op, args: [config] } }, actions: [] });
  return result.error?.message ?? '';
}

test('invalid hyperparameters are refused naming the field, the value and the range', async () => {
  const cases: [string, unknown, RegExp][] = [
    ['Sgd', { count: 0 }, /Sgd: count must be a positive integer, got 0/],
    ['Adam', { count: 2.5 }, /Adam: count must be a positive integer, got 2\.5/],
    ['Sgd', { count: 4, momentum: -0.1 }, /Sgd: momentum must be >= 0, got -0\.1/],
    ['Sgd', { count: 4, weightDecay: -1 }, /Sgd: weightDecay must be >= 0, got -1/],
    ['Sgd', { count: 4, nesterov: true }, /Sgd: nesterov requires momentum > 0, got momentum 0/],
    ['Sgd', { count: 4, momentum: 0.9, dampening: 0.1 }, /Sgd: unknown option 'dampening'/],
    ['Sgd', { count: 4, lr: 0.1 }, /Sgd: unknown option 'lr' \(lr is per step/],
    ['Adam', { count: 4, beta1: 1 }, /Adam: beta1 must be in \[0, 1\), got 1/],
    ['Adam', { count: 4, beta2: -0.5 }, /Adam: beta2 must be in \[0, 1\), got -0\.5/],
    ['Adam', { count: 4, beta2: '0.99' }, /Adam: beta2 must be in \[0, 1\), got '0\.99'/],
    ['Adam', { count: 4, eps: 0 }, /Adam: eps must be > 0, got 0/],
    ['Adam', { count: 4, weightDecay: -0.001, decoupled: true }, /AdamW: weightDecay must be >= 0, got -0\.001/],
    ['Adam', { count: 4, decoupled: 'yes' }, /Adam: decoupled must be a boolean, got yes/],
  ];
  for (const [op, config, expected] of cases) assert.match(await constructionError(op, config), expected, `${op} ${JSON.stringify(config)}`);
});

test('beta1 = 0 and count 1 are accepted', async () => {
  const result = await runOnGpu({
    tensors: { p: { shape: [1], data: [1] }, g: { shape: [1], data: [0.5] }, m: { shape: [1] }, v: { shape: [1] } },
    ops: { opt: { op: 'Adam', args: [{ count: 1, beta1: 0 }] } },
    actions: [{ step: { step: 1, seed: 0, lr: 0.25, batch_start: 0 } }, { call: 'opt', method: 'step', args: ['p', 'g', 'm', 'v', '$step'] }, { read: ['p'] }],
  });
  expectOk(result);
  expectClose(result.reads[0]!.tensors.p!, adamStep({ param: [1], m: [0], v: [0] }, [0.5], { lr: 0.25, step: 1, beta1: 0 }).param, PARAM_TOL, 'Adam beta1 0');
});

async function stepError(op: string, config: object, tensors: Program['tensors'], args: unknown[]): Promise<string> {
  const result = await runOnGpu({ tensors, ops: { opt: { op, args: [config] } }, actions: [{ call: 'opt', method: 'step', args }] });
  return result.error?.message ?? '';
}

test('mismatched, missing or aliased tensors are refused naming the tensor', async () => {
  const flat = (n: number) => ({ shape: [n] });
  const t = { p: flat(8), g: flat(8), m: flat(8), v: flat(8), short: flat(7), square: { shape: [2, 4] }, u: { shape: [8], dtype: 'u32' as const } };
  const adam = { count: 8 };
  assert.match(await stepError('Adam', adam, t, ['p', 'short', 'm', 'v', '$step']), /Adam step: grad has shape \[7\] but \[8\] was expected/);
  assert.match(await stepError('Adam', adam, t, ['p', 'g', 'm', 'square', '$step']), /Adam step: v has shape \[2, 4\] but \[8\] was expected/);
  assert.match(await stepError('Adam', { count: 8, decoupled: true }, t, ['short', 'g', 'm', 'v', '$step']), /AdamW step: param has shape \[7\] but \[8\] was expected/);
  assert.match(await stepError('Adam', adam, t, ['p', 'g', 'u', 'v', '$step']), /Adam step: m must be f32, got u32/);
  assert.match(await stepError('Adam', adam, t, ['p', 'p', 'm', 'v', '$step']), /Adam step: grad and param share buffer 'p'/);
  assert.match(await stepError('Adam', adam, t, ['p', 'g', 'm', 'm', '$step']), /Adam step: m and v overlap in buffer 'm'/);
  assert.match(await stepError('Sgd', { count: 8, momentum: 0.9 }, t, ['p', 'g', null, '$step']), /Sgd step: velocity is required when momentum > 0/);
  assert.match(await stepError('Sgd', { count: 8, momentum: 0.9 }, t, ['p', 'g', 'short', '$step']), /Sgd step: velocity has shape \[7\] but \[8\] was expected/);
  assert.match(await stepError('Sgd', { count: 8 }, t, ['p', 'square', null, '$step']), /Sgd step: grad has shape \[2, 4\] but \[8\] was expected/);
});

test.run();
