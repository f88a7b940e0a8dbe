// Divergence detection without a readback per step: after each step's loss accumulation, record
// the first step whose running loss sum stopped being finite. The trainer reads it with the
// other metrics and names that step in its error.
//
// Finiteness is tested on the bits: WGSL lets compilers assume floats are finite, so a NaN
// comparison (x != x) may be folded away.

struct Step {
  step: u32,
  seed: u32,
  lr: f32,
  batch_start: u32,
}

@group(0) @binding(0) var<uniform> step: Step;
// [loss sum, correct, samples, first non-finite step (0 = none)]
@group(0) @binding(1) var<storage, read_write> metrics: array<f32>;

fn is_finite(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7f800000u) != 0x7f800000u;
}

@compute @workgroup_size(1)
fn track_divergence() {
  if (!is_finite(metrics[0]) && metrics[3] == 0.0) {
    metrics[3] = f32(step.step);
  }
}
