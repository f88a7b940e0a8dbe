// Optimizer steps over a model's flat parameter tensor: one dispatch updates every parameter.
// lr and the 1-based step t come from the shared Step uniform, so the steps of many batches can
// be recorded in one command buffer with only that uniform changing between them.
//
// The body works on vec4 views of the tensors: on SwiftShader that moves ~1.5-2x the bytes per
// second of scalar loads. Each invocation updates VECS vec4s strided by the workgroup size
// (adjacent invocations touch adjacent vec4s). The last count % 4 elements, which no vec4
// covers, are updated by a one-workgroup *_tail dispatch through scalar views; it splats them
// into the same vec4 update functions, so both paths round identically.

//#include "lib/grid.wgsl"

struct Step { step: u32, seed: u32, lr: f32, batch_start: u32 }

struct SgdParams {
  count: u32,
  momentum: f32,
  weight_decay: f32,
  // 1 for Nesterov momentum, 0 for classical momentum.
  nesterov: u32,
}

// Hyperparameters the host derives in float64 so f32 never forms them by cancellation:
// 1 − β (for β2 = 0.999, 1 − f32(β2) is 1.3e-5 off in relative terms) and ln β for the bias
// corrections.
struct AdamParams {
  count: u32,
  beta1: f32,
  one_minus_beta1: f32,
  log_beta1: f32,
  beta2: f32,
  one_minus_beta2: f32,
  log_beta2: f32,
  eps: f32,
  // Coupled L2 (torch.optim.Adam's weight_decay): added to the gradient. 0 for AdamW.
  l2: f32,
  // Decoupled weight decay (torch.optim.AdamW): param *= 1 − lr·decay. 0 for Adam.
  decay: f32,
}

const WG: u32 = 64u;
// vec4s per body invocation, set by src/ops/optimizer.ts (which sizes the grid by it).
override VECS: u32;

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> sgd: SgdParams;
@group(0) @binding(2) var<uniform> adam: AdamParams;
@group(0) @binding(3) var<storage, read_write> param4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> grad4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> velocity4: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> m4: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> v4: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> param: array<f32>;
@group(0) @binding(9) var<storage, read> grad: array<f32>;
@group(0) @binding(10) var<storage, read_write> velocity: array<f32>;
@group(0) @binding(11) var<storage, read_write> m: array<f32>;
@group(0) @binding(12) var<storage, read_write> v: array<f32>;

// Index of the k-th vec4 of this invocation.
fn vec_index(wid: vec3<u32>, nwg: vec3<u32>, lid: u32, k: u32) -> u32 {
  return grid_workgroup(wid, nwg) * WG * VECS + k * WG + lid;
}

// Index of this tail invocation's element; ≥ count when it has none.
fn tail_index(count: u32, lid: u32) -> u32 {
  return (count / 4u) * 4u + lid;
}

// ---- SGD (torch.optim.SGD, dampening 0) ----

fn sgd_gradient(p: vec4<f32>, g: vec4<f32>) -> vec4<f32> {
  return g + sgd.weight_decay * p;
}

struct MomentumUpdate {
  p: vec4<f32>,
  velocity: vec4<f32>,
}

// v = μ·v + g (v starts at 0, which equals PyTorch's first-step clone of g when dampening is 0);
// the step direction is v, or g + μ·v with Nesterov.
fn sgd_momentum_update(p: vec4<f32>, g_raw: vec4<f32>, vel: vec4<f32>) -> MomentumUpdate {
  let g = sgd_gradient(p, g_raw);
  let vel_new = sgd.momentum * vel + g;
  let direction = select(vel_new, g + sgd.momentum * vel_new, sgd.nesterov != 0u);
  return MomentumUpdate(p - step.lr * direction, vel_new);
}

@compute @workgroup_size(WG)
fn sgd_step(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
            @builtin(local_invocation_index) lid: u32) {
  let n = sgd.count / 4u;
  for (var k = 0u; k < VECS; k++) {
    let i = vec_index(wid, nwg, lid, k);
    if (i < n) {
      let p = param4[i];
      param4[i] = p - step.lr * sgd_gradient(p, grad4[i]);
    }
  }
}

@compute @workgroup_size(4)
fn sgd_step_tail(@builtin(local_invocation_index) lid: u32) {
  let i = tail_index(sgd.count, lid);
  if (i < sgd.count) {
    let p = vec4(param[i]);
    param[i] = (p - step.lr * sgd_gradient(p, vec4(grad[i]))).x;
  }
}

@compute @workgroup_size(WG)
fn sgd_momentum_step(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                     @builtin(local_invocation_index) lid: u32) {
  let n = sgd.count / 4u;
  for (var k = 0u; k < VECS; k++) {
    let i = vec_index(wid, nwg, lid, k);
    if (i < n) {
      let r = sgd_momentum_update(param4[i], grad4[i], velocity4[i]);
      param4[i] = r.p;
      velocity4[i] = r.velocity;
    }
  }
}

@compute @workgroup_size(4)
fn sgd_momentum_step_tail(@builtin(local_invocation_index) lid: u32) {
  let i = tail_index(sgd.count, lid);
  if (i < sgd.count) {
    let r = sgd_momentum_update(vec4(param[i]), vec4(grad[i]), vec4(velocity[i]));
    param[i] = r.p.x;
    velocity[i] = r.velocity.x;
  }
}

// ---- Adam / AdamW (torch.optim.Adam, torch.optim.AdamW; amsgrad off) ----

// 1 − β^t = −expm1(t·ln β). Where β^t is near 1 (small t, β2 = 0.999), 1 − exp() would cancel
// away most of the f32 digits, so the Taylor series of expm1 is used for |x| < 0.5 (terms after
// x⁸/8! add under 1.1e-8 relative). Elsewhere 1 − exp(x) loses at most ~1 bit.
fn one_minus_pow(log_beta: f32, t: f32) -> f32 {
  let x = t * log_beta;
  if (x > -0.5) {
    return -x * (1.0 + x / 2.0 * (1.0 + x / 3.0 * (1.0 + x / 4.0 * (1.0 + x / 5.0 *
           (1.0 + x / 6.0 * (1.0 + x / 7.0 * (1.0 + x / 8.0)))))));
  }
  return 1.0 - exp(x);
}

struct AdamStep {
  // lr / (1 − β1^t)
  step_size: f32,
  // sqrt(1 − β2^t)
  sqrt_bc2: f32,
  // 1 − lr·decay (1 exactly for Adam)
  shrink: f32,
}

fn adam_step_values() -> AdamStep {
  let t = f32(step.step);
  let bc1 = one_minus_pow(adam.log_beta1, t);
  let bc2 = one_minus_pow(adam.log_beta2, t);
  return AdamStep(step.lr / bc1, sqrt(bc2), 1.0 - step.lr * adam.decay);
}

struct AdamUpdate {
  p: vec4<f32>,
  m: vec4<f32>,
  v: vec4<f32>,
}

// PyTorch's order: m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
// denom = sqrt(v)/sqrt(bc2) + eps; param −= (lr/bc1)·m/denom.
fn adam_update(p: vec4<f32>, g_raw: vec4<f32>, m_old: vec4<f32>, v_old: vec4<f32>, s: AdamStep) -> AdamUpdate {
  let g = g_raw + adam.l2 * p;
  let m_new = adam.beta1 * m_old + adam.one_minus_beta1 * g;
  let v_new = adam.beta2 * v_old + adam.one_minus_beta2 * (g * g);
  let denom = sqrt(v_new) / s.sqrt_bc2 + adam.eps;
  return AdamUpdate(p * s.shrink - s.step_size * m_new / denom, m_new, v_new);
}

@compute @workgroup_size(WG)
fn adam_step(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_index) lid: u32) {
  let n = adam.count / 4u;
  let s = adam_step_values();
  for (var k = 0u; k < VECS; k++) {
    let i = vec_index(wid, nwg, lid, k);
    if (i < n) {
      let r = adam_update(param4[i], grad4[i], m4[i], v4[i], s);
      param4[i] = r.p;
      m4[i] = r.m;
      v4[i] = r.v;
    }
  }
}

@compute @workgroup_size(4)
fn adam_step_tail(@builtin(local_invocation_index) lid: u32) {
  let i = tail_index(adam.count, lid);
  if (i < adam.count) {
    let r = adam_update(vec4(param[i]), vec4(grad[i]), vec4(m[i]), vec4(v[i]), adam_step_values());
    param[i] = r.p.x;
    m[i] = r.m.x;
    v[i] = r.v.x;
  }
}
