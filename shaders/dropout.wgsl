// Inverted dropout: y = x · scale where element i is kept, 0 where dropped; the mask is drawn from
// a counter-based hash of (seed, step, layer, i), so it is never stored and backward recomputes it.
// src/random.ts mirrors pcg_hash and counter_hash bit for bit (the CPU reference relies on it).
// Backward is this same map applied to dy (the Jacobian is the diagonal mask · scale), so there
// is one entry point, bound to (x, y) forward and (dy, dx) backward.
// Each invocation handles ELEMS consecutive elements; the 1-D grid may be folded into 2-D.

//#include "lib/grid.wgsl"

struct Step {
  step: u32,
  seed: u32,
  lr: f32,
  batch_start: u32,
}

struct Params {
  count: u32,
  layer: u32,
  // Element i is kept iff hashToUnit(h) = (h >> 8) / 2^24 ≥ p, i.e. iff (h >> 8) ≥ ⌈p · 2^24⌉:
  // comparing integers avoids rounding p to f32, so the keep decision matches the f64 mirror.
  keep_threshold: u32,
  // 1/(1 − p) rounded to f32 on the CPU, so GPU and reference scale by the same value.
  scale: f32,
}

const WG: u32 = 64u;
// Elements per invocation, set by src/ops/dropout.ts (which sizes the grid by it).
override ELEMS: u32;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<uniform> step: Step;
@group(0) @binding(2) var<storage, read> src: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

// PCG hash (Jarzynski & Olano 2020); u32 arithmetic wraps as Math.imul and >>> 0 do in the mirror.
fn pcg_hash(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

// Mixes one field at a time, in the order of counterHash in src/random.ts.
fn counter_hash(seed: u32, step_index: u32, layer: u32, index: u32) -> u32 {
  var h = pcg_hash(index);
  h = pcg_hash(h + layer);
  h = pcg_hash(h + step_index);
  return pcg_hash(h + seed);
}

@compute @workgroup_size(WG)
fn dropout_apply(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) lid: u32) {
  let start = grid_index(wid, nwg, lid, WG) * ELEMS;
  for (var e = 0u; e < ELEMS; e++) {
    let i = start + e;
    if (i >= params.count) {
      return;
    }
    let unit_bits = counter_hash(step.seed, step.step, params.layer, i) >> 8u;
    dst[i] = select(0.0, src[i] * params.scale, unit_bits >= params.keep_threshold);
  }
}
