/**
 * Runs cli/parity/torch_train.py: PyTorch replays the engine's run from the same start. Job and
 * results travel through a temporary folder (weights as .safetensors, the rest as JSON).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Debian's python3-torch installs for the system interpreter, not for a pyenv one earlier on PATH. */
export const DEFAULT_PYTHON = process.env.PARITY_PYTHON ?? '/usr/bin/python3';
const SCRIPT = new URL('./torch_train.py', import.meta.url).pathname;

export interface TorchJob {
  dataDir: string;
  seed: number;
  variant: { dropout: number; batchNorm: boolean; weightDecay: number };
  optimizer: { lr: number; beta1: number; beta2: number; eps: number };
  normalization: { scale: number; shift: number };
  batchSize: number;
  stepsPerEpoch: number;
  steps: number;
  epochOrders: number[][];
  evaluateTest: boolean;
  testLimit: number;
  threads: number;
  /** Compare eval-mode logits of both final models on this many test images (0 = no). */
  evalCheckImages: number;
  maskCheck?: { seed: number; step: number; layer: number; p: number; engineKeep: number[] };
  /** The engine's normalised inputs (gather shader) for these training images, flat. */
  inputCheck?: { indices: number[]; engineInputs: number[] };
}

/** Eval-mode logits of torch's final model against the engine's final model (run in torch). */
export interface EvalCheck {
  images: number;
  /** max|Δlogit| / max|logit| over all images and classes. */
  logitMaxRelDiff: number;
  /** Fraction of images whose predicted class is the same. */
  argmaxAgreement: number;
}

export interface TorchResult {
  torch: string;
  losses: number[];
  testAccuracy: number | null;
  maskCheck?: { count: number; mismatches: number; kept: number };
  inputCheck?: { count: number; mismatches: number; maxAbsDiff: number };
  evalCheck?: EvalCheck;
  /** The control: the same run in float64 (losses; final weights rounded to f32; eval logits vs f32). */
  lossesFloat64: number[];
  evalCheckFloat64?: EvalCheck;
  finalWeights: Uint8Array;
  finalWeightsFloat64: Uint8Array;
}

/** The torch version, or an Error naming the interpreter tried and how to install torch. */
export async function torchVersion(python = DEFAULT_PYTHON): Promise<string> {
  try {
    const { stdout } = await run(python, ['-c', 'import torch, numpy; print(torch.__version__)']);
    return stdout.trim();
  } catch (error) {
    const detail = ((error as { stderr?: string }).stderr ?? (error as Error).message).trim().split('\n').at(-1);
    throw new Error(
      `PyTorch is not importable by ${python} (${detail}); install it with \`apt-get install python3-torch\` ` +
        '(Debian: for /usr/bin/python3), or point PARITY_PYTHON / --python at an interpreter that has torch and numpy',
    );
  }
}

/** Train in torch from `initialWeights`; `engineFinalWeights` is only read for the eval check. */
export async function trainInTorch(job: TorchJob, initialWeights: Uint8Array, engineFinalWeights: Uint8Array, python = DEFAULT_PYTHON): Promise<TorchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'lenet-parity-'));
  try {
    writeFileSync(join(dir, 'job.json'), JSON.stringify(job));
    writeFileSync(join(dir, 'initial.safetensors'), initialWeights);
    writeFileSync(join(dir, 'engine_final.safetensors'), engineFinalWeights);
    try {
      await run(python, [SCRIPT, dir], { maxBuffer: 64 << 20 });
    } catch (error) {
      const stderr = ((error as { stderr?: string }).stderr ?? '').trim();
      throw new Error(`${python} ${SCRIPT} failed: ${stderr || (error as Error).message}`);
    }
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as Omit<TorchResult, 'finalWeights' | 'finalWeightsFloat64'>;
    const read = (name: string) => new Uint8Array(readFileSync(join(dir, name)));
    return { ...result, finalWeights: read('final.safetensors'), finalWeightsFloat64: read('final_float64.safetensors') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
