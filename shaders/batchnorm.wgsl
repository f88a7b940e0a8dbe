// Batch normalization over NCHW activations seen as [batch, channels, spatial]: each channel is
// normalized with statistics over its n = batch·spatial values.
//
// Every entry point runs one workgroup per channel whose WG threads stride over the channel's n
// values, so the statistics, the per-channel outputs and the elementwise pass that depends on
// them fit in one dispatch (no global synchronisation needed). Per-thread partial sums are
// combined by a fixed-order tree in workgroup memory: results are bit-identical run after run.
// The grid of `channels` workgroups may be folded into 2-D.

struct Params {
  batch: u32,
  channels: u32,
  spatial: u32,
  eps: f32,
  momentum: f32,
  // 1/n and n/(n−1) (unbiased variance), computed in float64 on the CPU.
  inv_n: f32,
  unbias: f32,
}

const WG: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
// Training forward: running statistics updated in place, batch statistics saved for backward.
@group(0) @binding(5) var<storage, read_write> running_mean: array<f32>;
@group(0) @binding(6) var<storage, read_write> running_var: array<f32>;
@group(0) @binding(7) var<storage, read_write> batch_mean: array<f32>;
@group(0) @binding(8) var<storage, read_write> batch_inv_std: array<f32>;
// Evaluation forward: the running statistics, read only.
@group(0) @binding(9) var<storage, read> eval_mean: array<f32>;
@group(0) @binding(10) var<storage, read> eval_var: array<f32>;
// Backward.
@group(0) @binding(11) var<storage, read> dy: array<f32>;
@group(0) @binding(12) var<storage, read> saved_mean: array<f32>;
@group(0) @binding(13) var<storage, read> saved_inv_std: array<f32>;
@group(0) @binding(14) var<storage, read_write> dx: array<f32>;
@group(0) @binding(15) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(16) var<storage, read_write> dbeta: array<f32>;

var<workgroup> partial: array<vec2<f32>, WG>;

// Position of one thread in its channel: sample b, offset s within the sample's plane, and the
// element's index. Advancing by WG values updates (b, s) without a division per element.
struct Walk {
  b: u32,
  s: u32,
  index: u32,
}

fn walk_start(c: u32, lid: u32) -> Walk {
  let b = lid / params.spatial;
  let s = lid % params.spatial;
  return Walk(b, s, (b * params.channels + c) * params.spatial + s);
}

fn walk_next(w: ptr<function, Walk>) {
  let jump_b = WG / params.spatial;
  let jump_s = WG % params.spatial;
  (*w).b += jump_b;
  (*w).s += jump_s;
  (*w).index += jump_b * params.channels * params.spatial + jump_s;
  if ((*w).s >= params.spatial) {
    (*w).s -= params.spatial;
    (*w).b += 1u;
    (*w).index += (params.channels - 1u) * params.spatial;
  }
}

// Sum of v over the workgroup, returned to every thread.
fn workgroup_sum(lid: u32, v: vec2<f32>) -> vec2<f32> {
  partial[lid] = v;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      partial[lid] += partial[lid + stride];
    }
    workgroupBarrier();
  }
  let total = partial[0];
  // Nobody may overwrite partial[0] (in a following sum) before every thread has read it.
  workgroupBarrier();
  return total;
}

fn channel_of(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return wid.x + wid.y * nwg.x;
}

// y = (x − mean)·(γ·invstd) + β over channel c. Subtracting the mean first avoids the
// cancellation of x·scale − mean·scale when |mean| ≫ std.
fn normalize_channel(c: u32, lid: u32, mean: f32, inv_std: f32) {
  let scale = gamma[c] * inv_std;
  let shift = beta[c];
  for (var w = walk_start(c, lid); w.b < params.batch; walk_next(&w)) {
    y[w.index] = (x[w.index] - mean) * scale + shift;
  }
}

// Corrected two-pass statistics: a first mean m0, then Σd and Σd² with d = x − m0, so
// mean = m0 + Σd/n and var = Σd²/n − (Σd/n)² (Björck's correction cancels most of the rounding
// error of m0; no E[x²] − E[x]² cancellation).
@compute @workgroup_size(WG)
fn batchnorm_forward_train(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                           @builtin(local_invocation_index) lid: u32) {
  let c = channel_of(wid, nwg);
  if (c >= params.channels) {
    return;
  }
  var sum = 0.0;
  for (var w = walk_start(c, lid); w.b < params.batch; walk_next(&w)) {
    sum += x[w.index];
  }
  let m0 = workgroup_sum(lid, vec2<f32>(sum, 0.0)).x * params.inv_n;
  var moments = vec2<f32>(0.0);
  for (var w = walk_start(c, lid); w.b < params.batch; walk_next(&w)) {
    let d = x[w.index] - m0;
    moments += vec2<f32>(d, d * d);
  }
  let totals = workgroup_sum(lid, moments) * params.inv_n;
  let mean = m0 + totals.x;
  let variance = max(totals.y - totals.x * totals.x, 0.0);
  let inv_std = inverseSqrt(variance + params.eps);
  if (lid == 0u) {
    batch_mean[c] = mean;
    batch_inv_std[c] = inv_std;
    // The same expression order as PyTorch's update.
    running_mean[c] = params.momentum * mean + (1.0 - params.momentum) * running_mean[c];
    running_var[c] = params.momentum * variance * params.unbias + (1.0 - params.momentum) * running_var[c];
  }
  normalize_channel(c, lid, mean, inv_std);
}

@compute @workgroup_size(WG)
fn batchnorm_forward_eval(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                          @builtin(local_invocation_index) lid: u32) {
  let c = channel_of(wid, nwg);
  if (c >= params.channels) {
    return;
  }
  normalize_channel(c, lid, eval_mean[c], inverseSqrt(eval_var[c] + params.eps));
}

// One reduction pass gives Σdy and Σdy·(x − mean) (= dβ and dγ/invstd), then one elementwise pass
// dx = γ·invstd·(dy − dβ/n − x̂·dγ/n), written as k·(dy − a − (x − mean)·b).
@compute @workgroup_size(WG)
fn batchnorm_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                      @builtin(local_invocation_index) lid: u32) {
  let c = channel_of(wid, nwg);
  if (c >= params.channels) {
    return;
  }
  let mean = saved_mean[c];
  let inv_std = saved_inv_std[c];
  var sums = vec2<f32>(0.0);
  for (var w = walk_start(c, lid); w.b < params.batch; walk_next(&w)) {
    let g = dy[w.index];
    sums += vec2<f32>(g, g * (x[w.index] - mean));
  }
  let totals = workgroup_sum(lid, sums);
  let d_beta = totals.x;
  let d_gamma = totals.y * inv_std;
  if (lid == 0u) {
    dbeta[c] = d_beta;
    dgamma[c] = d_gamma;
  }
  let k = gamma[c] * inv_std;
  let a = d_beta * params.inv_n;
  let b = d_gamma * params.inv_n * inv_std;
  for (var w = walk_start(c, lid); w.b < params.batch; walk_next(&w)) {
    dx[w.index] = k * (dy[w.index] - a - (x[w.index] - mean) * b);
  }
}
