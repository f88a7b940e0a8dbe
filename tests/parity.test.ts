/**
 * Training follows PyTorch step by step: each variant trains 60 steps in the engine (WebGPU) and
 * in PyTorch (CPU, f32) from the same initial weights, batches and dropout masks (cli/parity/).
 * 3,000 training images in batches of 64 give 47 steps per epoch, so the run crosses an epoch
 * boundary: a last partial batch of 56, then the second epoch's shuffle.
 *
 * Needs /usr/bin/python3 with torch and numpy (Debian's python3-torch) or PARITY_PYTHON; without
 * them the test fails, naming the interpreter and the package.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { VARIANT_NAMES } from '../src/model/variants.ts';
import { findDatasetDir } from '../cli/datasets.ts';
import { runParity, type ParityReport, type VariantParity } from '../cli/parity/run.ts';
import { torchVersion } from '../cli/parity/torch.ts';

const test = suite('parity with PyTorch');

const STEPS = 60;
const TRAIN_LIMIT = 4000;
const VALIDATION = 1000;

/**
 * Per-step loss: |engine − torch| ≤ resolution + LOSS_REL_TOL · |torch|. The resolution is how
 * exactly the engine's loss can be read at all (its f32 running sum over the epoch, half an ulp
 * of that sum per step, up to ~4e-6 relative late in an epoch). Beyond it, 150 steps of each
 * variant measured at most 4.0e-7 relative, and torch's own f32 run differs from its f64 run by
 * at most 2.4e-7: a mean of 64 log-softmax terms of logits from five layers of f32 dot products
 * (lengths up to 400) differs by a few ulps between two summation orders. 2e-6 is ~16 f32 ulps.
 */
const LOSS_REL_TOL = 2e-6;

/**
 * Final tensors (max|Δ| / max|torch| per tensor) and eval-mode logits are bounded relative to
 * the float64 control, torch f32 against torch f64 on the same run: how far f32 rounding alone
 * moves that very tensor. Adam divides each gradient by its own running RMS, so an element whose
 * gradient is small or sign-changing turns a rounding difference into a step difference of the
 * same relative size: the conv3/fc1 weights differ ~1e-5..1e-4. With batch norm the conv biases
 * have an exactly zero gradient (BN subtracts the batch mean), so in f32 their gradient is pure
 * rounding noise (~1e-7, ~1e-17 in f64) that Adam normalises into lr-sized steps: the biases,
 * and the running means that contain them, wander ~0.1 apart in torch f32 vs f64 as well, and
 * the eval logits ~1e-2. Two f32 implementations differ from each other by about as much as f32
 * from f64 (measured ratio ≤ 3 across the variants); CONTROL_FACTOR 10 leaves room for the
 * worst element of a fluctuating maximum, and TENSOR_FLOOR (~2.5 f32 ulps) for tensors the
 * control happens to move less than an ulp or two. A semantic difference (biased running
 * variance: 1.6e-2; Adam's eps inside the square root; dropout not rescaled) is orders above.
 */
const CONTROL_FACTOR = 10;
const TENSOR_FLOOR = 3e-7;

const bound = (control: number) => CONTROL_FACTOR * Math.max(control, TENSOR_FLOOR);

let report: ParityReport;

test('PyTorch is importable by the interpreter the parity run uses', async () => {
  // Fails (does not skip) without torch: CI must install python3-torch.
  const version = await torchVersion();
  assert.ok(/^\d+\.\d+/.test(version), version);
});

test('a missing torch is reported with the interpreter tried and the package to install', async () => {
  try {
    await torchVersion('/nonexistent/python3');
    assert.unreachable('torchVersion accepted a missing interpreter');
  } catch (error) {
    assert.match((error as Error).message, '/nonexistent/python3');
    assert.match((error as Error).message, 'apt-get install python3-torch');
  }
});

test(`all four variants, ${STEPS} steps: engine and PyTorch agree on every step's loss and on the final weights`, async () => {
  report = await runParity({
    // The epoch boundary evaluates the test set; 500 images keep that short (accuracy is not compared here).
    variants: VARIANT_NAMES, steps: STEPS, trainLimit: TRAIN_LIMIT, validationSize: VALIDATION, testLimit: 500, seed: 0,
    dataDir: findDatasetDir('fashion-mnist', process.env.FASHION_MNIST_DIR),
  });
  for (const name of VARIANT_NAMES) {
    const r = report.variants[name] as VariantParity;
    const ratios = Object.entries(r.finalParamMaxRelDiff).map(([t, x]) => x / Math.max(r.float64Control.finalParamMaxRelDiff[t]!, TENSOR_FLOOR));
    console.log(`  ${name}: max loss rel diff ${r.maxLossRelDiff.toExponential(2)}; worst tensor / control ${Math.max(...ratios).toFixed(2)}; ` +
      `eval logits ${r.evalCheck.logitMaxRelDiff.toExponential(2)} (control ${r.float64Control.evalCheck.logitMaxRelDiff.toExponential(2)})`);

    assert.is(r.steps, STEPS, name);
    assert.is(r.inputCheck.mismatches, 0, `${name}: torch's inputs differ from the engine's gather`);
    assert.ok(r.batchSizes.includes(56) && r.batchSizes.indexOf(56) === 46, `${name}: the run should cover the partial batch at step 47`);
    r.lossEngine.forEach((engine, i) => {
      const torch = r.lossTorch[i]!;
      const allowed = r.lossEngineResolution[i]! + LOSS_REL_TOL * Math.abs(torch);
      assert.ok(Math.abs(engine - torch) <= allowed,
        `${name} step ${i + 1}: engine loss ${engine}, torch ${torch}: |Δ| ${Math.abs(engine - torch).toExponential(3)} > ${allowed.toExponential(3)}`);
    });
    for (const [tensor, diff] of Object.entries(r.finalParamMaxRelDiff)) {
      if (tensor.endsWith('num_batches_tracked')) {
        assert.is(diff, 0, `${name} ${tensor}`);
        continue;
      }
      const control = r.float64Control.finalParamMaxRelDiff[tensor]!;
      assert.ok(diff <= bound(control), `${name} ${tensor}: ${diff.toExponential(3)} > ${CONTROL_FACTOR} × max(control ${control.toExponential(3)}, ${TENSOR_FLOOR})`);
    }
    const logits = r.evalCheck.logitMaxRelDiff;
    const control = r.float64Control.evalCheck.logitMaxRelDiff;
    assert.ok(logits <= bound(control), `${name} eval logits: ${logits.toExponential(3)} > ${CONTROL_FACTOR} × max(control ${control.toExponential(3)}, ${TENSOR_FLOOR})`);
  }
});

test('dropout: the Python mirror of the mask equals the GPU shader\'s, bit for bit', () => {
  const check = report.variants.dropout!.dropoutMaskCheck!;
  assert.is(check.mismatches, 0);
  // p = 0.5 over 25,600 elements: about half kept (a mask of all ones or zeros would also "match").
  assert.ok(Math.abs(check.kept / check.count - 0.5) < 0.02, `kept ${check.kept} of ${check.count}`);
});

test.run();
