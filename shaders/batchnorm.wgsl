// Batch normalization over NCHW activations seen as [batch, channels, spatial]: each channel is
// normalized with statistics over its n = batch·spatial values.
//
// Every entry point has two paths, picked by the pipeline constant COLUMN (src/ops/batchnorm.ts).
// The plane path (COLUMN false) runs one workgroup per channel
// whose WG threads stride over the channel's n values, so the statistics, the per-channel outputs and the elementwise pass that depends on
// them fit in one dispatch (no global synchronisation needed). Each thread keeps its own partial
// sums, which are then added in a fixed order (workgroup_sum): results are bit-identical run
// after run. The grid of `channels` workgroups may be folded into 2-D.
//
// A thread takes `chunk` consecutive values of a plane per step: 4 when spatial is a multiple of
// 4 (CHUNK = 4), else 1 (CHUNK = 1). SwiftShader runs a workgroup on one core as 4-lane SIMD
// groups, and per-step loop overhead, not load width, bounds its speed: 4 values per step is ~2x
// faster. Barriers cost per SIMD group, so a small workgroup (16 threads) is fastest there.
// Each op's body is one function taking the chunk width, called with CHUNK by its entry point.
//
// Split statistics (real GPUs, src/ops/batchnorm.ts picks them): one workgroup per channel leaves
// a GPU with a handful of busy workgroups (conv1's 6 channels). Then each channel is cut into
// `parts` ranges of whole samples, in three dispatches: batchnorm_partials per (channel, part)
// workgroup; batchnorm_finalize per channel, folding its partials in part order (fixed, so reruns
// are bit-identical) into the per-channel outputs; then batchnorm_forward / batchnorm_backward's
// elementwise pass per (channel, part). Forward partials are (count, mean, M2) folded as Chan et
// al.; backward partials are plain sums. (Three dispatches, not two: a fold-and-normalize pass
// would bind 9 storage buffers, over the default limit of 8.) Eval normalizes with the running
// statistics, split the same way.

//#include "lib/grid.wgsl"

struct Params {
  batch: u32,
  channels: u32,
  spatial: u32,
  eps: f32,
  momentum: f32,
  // 1/n and n/(n−1) (unbiased variance), computed in float64 on the CPU.
  inv_n: f32,
  unbias: f32,
  // Split statistics: parts per channel and samples per part (parts = 1: one workgroup per channel).
  parts: u32,
  part_batch: u32,
}

// Threads per workgroup of every path: 16 on SwiftShader (fastest there, see above), more on a GPU
// (src/ops/batchnorm.ts chooses; a GPU runs 16 threads in half a warp).
override WG: u32 = 16u;
// BatchNorm1d ([N, C], spatial 1): one invocation per channel, the column path at the end.
override COLUMN: bool;
// Values per step of a plane-path thread: 4 when spatial is a multiple of 4, else 1.
override CHUNK: u32;
// batchnorm_forward's statistics: computed here (training, unsplit), from batchnorm_finalize
// (training, split), or the running ones (eval).
const STATS_HERE: u32 = 0u;
const STATS_FINALIZED: u32 = 1u;
const STATS_RUNNING: u32 = 2u;
override STATS: u32;
// batchnorm_backward: dβ and dγ from batchnorm_finalize (split) instead of summed here.
override SPLIT: bool;
// batchnorm_partials and batchnorm_finalize: the backward pass's sums instead of the forward's moments.
override BACKWARD: bool;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
// Forward: running statistics updated in place by training (read by eval), batch statistics saved
// for backward. Eval binds scratch for the batch statistics it never touches.
@group(0) @binding(5) var<storage, read_write> running_mean: array<f32>;
@group(0) @binding(6) var<storage, read_write> running_var: array<f32>;
@group(0) @binding(7) var<storage, read_write> batch_mean: array<f32>;
@group(0) @binding(8) var<storage, read_write> batch_inv_std: array<f32>;
// Backward.
@group(0) @binding(11) var<storage, read> dy: array<f32>;
@group(0) @binding(12) var<storage, read> saved_mean: array<f32>;
@group(0) @binding(13) var<storage, read> saved_inv_std: array<f32>;
@group(0) @binding(14) var<storage, read_write> dx: array<f32>;
@group(0) @binding(15) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(16) var<storage, read_write> dbeta: array<f32>;
// Split statistics: one vec4 per (channel, part), at channel·parts + part. The backward finalize
// reads the saved 1/std through batch_inv_std; slots a pass does not read are bound to scratch.
@group(0) @binding(17) var<storage, read_write> partials: array<vec4<f32>>;

var<workgroup> partial: array<vec2<f32>, WG>;

// Position of one thread in its channel: sample b, offset s within the sample's plane, and the
// index of its chunk's first element. Advancing by WG chunks updates (b, s) without a division
// per element; chunks never straddle planes because spatial is a multiple of the chunk width.
struct Walk {
  b: u32,
  s: u32,
  index: u32,
}

// The walk starts at sample `first` (0, or a split part's first sample).
fn walk_start(c: u32, lid: u32, chunk: u32, first: u32) -> Walk {
  let j = lid * chunk;
  let b = first + j / params.spatial;
  let s = j % params.spatial;
  return Walk(b, s, (b * params.channels + c) * params.spatial + s);
}

fn walk_next(w: ptr<function, Walk>, chunk: u32) {
  let jump_b = WG * chunk / params.spatial;
  let jump_s = WG * chunk % params.spatial;
  (*w).b += jump_b;
  (*w).s += jump_s;
  (*w).index += jump_b * params.channels * params.spatial + jump_s;
  if ((*w).s >= params.spatial) {
    (*w).s -= params.spatial;
    (*w).b += 1u;
    (*w).index += (params.channels - 1u) * params.spatial;
  }
}

// A chunk of x or dy as a vec4; with chunk 1 only lane x is meaningful.
fn load_x(i: u32, chunk: u32) -> vec4<f32> {
  if (chunk == 1u) {
    return vec4<f32>(x[i], 0.0, 0.0, 0.0);
  }
  return vec4<f32>(x[i], x[i + 1u], x[i + 2u], x[i + 3u]);
}

fn load_dy(i: u32, chunk: u32) -> vec4<f32> {
  if (chunk == 1u) {
    return vec4<f32>(dy[i], 0.0, 0.0, 0.0);
  }
  return vec4<f32>(dy[i], dy[i + 1u], dy[i + 2u], dy[i + 3u]);
}

fn store_y(i: u32, chunk: u32, v: vec4<f32>) {
  y[i] = v.x;
  if (chunk == 4u) {
    y[i + 1u] = v.y;
    y[i + 2u] = v.z;
    y[i + 3u] = v.w;
  }
}

fn store_dx(i: u32, chunk: u32, v: vec4<f32>) {
  dx[i] = v.x;
  if (chunk == 4u) {
    dx[i + 1u] = v.y;
    dx[i + 2u] = v.z;
    dx[i + 3u] = v.w;
  }
}

// Sum of the meaningful lanes of per-lane partial sums.
fn lane_sum(v: vec4<f32>, chunk: u32) -> f32 {
  if (chunk == 1u) {
    return v.x;
  }
  return (v.x + v.y) + (v.z + v.w);
}

// Sum of v over the workgroup, returned to every thread: every thread adds the WG partials in
// index order (the same order everywhere, so the same bits). With only 16 partials this costs 2
// barriers where a tree needs log2(WG) + 2, and barriers dominate small channels on SwiftShader.
fn workgroup_sum(lid: u32, v: vec2<f32>) -> vec2<f32> {
  partial[lid] = v;
  workgroupBarrier();
  var total = partial[0];
  for (var i = 1u; i < WG; i++) {
    total += partial[i];
  }
  // Nobody may overwrite partial (in a following sum) before every thread has read it.
  workgroupBarrier();
  return total;
}

// y = (x − mean)·scale + shift with scale = γ·invstd and shift = β. Subtracting the mean first
// avoids the cancellation of x·scale − mean·scale when |mean| ≫ std.
struct Affine {
  scale: f32,
  shift: f32,
}

fn affine(c: u32, inv_std: f32) -> Affine {
  return Affine(gamma[c] * inv_std, beta[c]);
}

// Samples [first, end) of channel c: the whole channel, or one part of a split.
fn normalize_range(c: u32, lid: u32, chunk: u32, first: u32, end: u32, mean: f32, inv_std: f32) {
  let f = affine(c, inv_std);
  for (var w = walk_start(c, lid, chunk, first); w.b < end; walk_next(&w, chunk)) {
    store_y(w.index, chunk, (load_x(w.index, chunk) - mean) * f.scale + f.shift);
  }
}

// Corrected two-pass statistics of samples [first, end) of channel c (n values, inv_n = 1/n): a
// first mean m0, then Σd and Σd² with d = x − m0, so mean = m0 + Σd/n and var = Σd²/n − (Σd/n)²
// (Björck's correction cancels most of the rounding error of m0; no E[x²] − E[x]² cancellation).
fn range_statistics(c: u32, lid: u32, chunk: u32, first: u32, end: u32, inv_n: f32) -> Stats {
  var sum = vec4<f32>(0.0);
  for (var w = walk_start(c, lid, chunk, first); w.b < end; walk_next(&w, chunk)) {
    sum += load_x(w.index, chunk);
  }
  let m0 = workgroup_sum(lid, vec2<f32>(lane_sum(sum, chunk), 0.0)).x * inv_n;
  var s1 = vec4<f32>(0.0);
  var s2 = vec4<f32>(0.0);
  for (var w = walk_start(c, lid, chunk, first); w.b < end; walk_next(&w, chunk)) {
    let d = load_x(w.index, chunk) - m0;
    s1 += d;
    s2 += d * d;
  }
  let totals = workgroup_sum(lid, vec2<f32>(lane_sum(s1, chunk), lane_sum(s2, chunk)));
  return statistics(m0, totals, inv_n);
}

struct Stats {
  mean: f32,
  variance: f32,
  inv_std: f32,
}

// Mean and biased variance from the first mean m0 and the sums (Σd, Σd²) of d = x − m0.
fn statistics(m0: f32, sums: vec2<f32>, inv_n: f32) -> Stats {
  let totals = sums * inv_n;
  let variance = max(totals.y - totals.x * totals.x, 0.0);
  return Stats(m0 + totals.x, variance, inverseSqrt(variance + params.eps));
}

// Batch statistics for backward, and the running ones in PyTorch's expression order.
fn save_statistics(c: u32, stats: Stats) {
  batch_mean[c] = stats.mean;
  batch_inv_std[c] = stats.inv_std;
  running_mean[c] = params.momentum * stats.mean + (1.0 - params.momentum) * running_mean[c];
  running_var[c] = params.momentum * stats.variance * params.unbias + (1.0 - params.momentum) * running_var[c];
}

// One reduction pass gives Σdy and Σdy·(x − mean) (= dβ and dγ/invstd), then one elementwise pass
// dx = γ·invstd·(dy − dβ/n − x̂·dγ/n), written as k·(dy − a − (x − mean)·b).
struct DxTerms {
  k: f32,
  a: f32,
  b: f32,
}

// dβ and dγ from the sums (Σdy, Σdy·(x − mean)), stored when `store`, and the terms of dx.
fn backward_terms(c: u32, sums: vec2<f32>, inv_std: f32, store: bool) -> DxTerms {
  let d_beta = sums.x;
  let d_gamma = sums.y * inv_std;
  if (store) {
    store_parameter_gradients(c, sums, inv_std);
  }
  return dx_terms(c, d_beta, d_gamma, inv_std);
}

fn store_parameter_gradients(c: u32, sums: vec2<f32>, inv_std: f32) {
  dbeta[c] = sums.x;
  dgamma[c] = sums.y * inv_std;
}

fn dx_terms(c: u32, d_beta: f32, d_gamma: f32, inv_std: f32) -> DxTerms {
  return DxTerms(gamma[c] * inv_std, d_beta * params.inv_n, d_gamma * params.inv_n * inv_std);
}

// Σdy and Σdy·(x − mean) over samples [first, end) of channel c.
fn backward_sums(c: u32, lid: u32, chunk: u32, first: u32, end: u32, mean: f32) -> vec2<f32> {
  var s1 = vec4<f32>(0.0);
  var s2 = vec4<f32>(0.0);
  for (var w = walk_start(c, lid, chunk, first); w.b < end; walk_next(&w, chunk)) {
    let g = load_dy(w.index, chunk);
    s1 += g;
    s2 += g * (load_x(w.index, chunk) - mean);
  }
  return workgroup_sum(lid, vec2<f32>(lane_sum(s1, chunk), lane_sum(s2, chunk)));
}

fn dx_range(c: u32, lid: u32, chunk: u32, first: u32, end: u32, mean: f32, t: DxTerms) {
  for (var w = walk_start(c, lid, chunk, first); w.b < end; walk_next(&w, chunk)) {
    store_dx(w.index, chunk, t.k * (load_dy(w.index, chunk) - t.a - (load_x(w.index, chunk) - mean) * t.b));
  }
}

// ---- Split statistics: one workgroup per (channel, part) of part_batch whole samples ----

struct Part {
  c: u32,
  first: u32,
  end: u32,
  // Where its partial goes: c·parts + part.
  slot: u32,
}

fn part_of(wid: vec3<u32>, nwg: vec3<u32>) -> Part {
  let g = grid_workgroup(wid, nwg);
  let first = (g % params.parts) * params.part_batch;
  return Part(g / params.parts, first, min(first + params.part_batch, params.batch), g);
}

// The part's partial: (count, mean, biased variance · count) of its values, or backward's
// (Σdy, Σdy·(x − mean)).
fn partials_of(part: Part, lid: u32, chunk: u32) {
  if (part.c >= params.channels) {
    return;
  }
  var partial: vec4<f32>;
  if (BACKWARD) {
    partial = vec4<f32>(backward_sums(part.c, lid, chunk, part.first, part.end, saved_mean[part.c]), 0.0, 0.0);
  } else {
    let n = f32((part.end - part.first) * params.spatial);
    let stats = range_statistics(part.c, lid, chunk, part.first, part.end, 1.0 / n);
    partial = vec4<f32>(n, stats.mean, stats.variance * n, 0.0);
  }
  if (lid == 0u) {
    partials[part.slot] = partial;
  }
}

// The channel's statistics from its parts' partials folded in part order with Chan et al.'s
// pairwise update: no cancellation between the parts' means.
fn folded_statistics(c: u32) -> Stats {
  var acc = partials[c * params.parts];
  for (var p = 1u; p < params.parts; p++) {
    let q = partials[c * params.parts + p];
    let n = acc.x + q.x;
    let delta = q.y - acc.y;
    let share = q.x / n;
    acc = vec4<f32>(n, acc.y + delta * share, acc.z + q.z + delta * delta * acc.x * share, 0.0);
  }
  let variance = max(acc.z * params.inv_n, 0.0);
  return Stats(acc.y, variance, inverseSqrt(variance + params.eps));
}

fn finalize(c: u32) {
  if (c >= params.channels) {
    return;
  }
  if (BACKWARD) {
    var sums = vec2<f32>(0.0);
    for (var p = 0u; p < params.parts; p++) {
      sums += partials[c * params.parts + p].xy;
    }
    store_parameter_gradients(c, sums, batch_inv_std[c]);
  } else {
    save_statistics(c, folded_statistics(c));
  }
}

// Training (STATS_HERE needs one part: the whole channel) or eval, over the part's samples.
fn forward_plane(part: Part, lid: u32, chunk: u32) {
  let c = part.c;
  if (c >= params.channels) {
    return;
  }
  // Each branch ends in its own call (no mutable mean/std): SwiftShader's Subzero JIT keeps
  // function-scope variables in memory.
  if (STATS == STATS_HERE) {
    let stats = range_statistics(c, lid, chunk, 0u, params.batch, params.inv_n);
    if (lid == 0u) {
      save_statistics(c, stats);
    }
    normalize_range(c, lid, chunk, part.first, part.end, stats.mean, stats.inv_std);
  } else if (STATS == STATS_FINALIZED) {
    normalize_range(c, lid, chunk, part.first, part.end, batch_mean[c], batch_inv_std[c]);
  } else {
    normalize_range(c, lid, chunk, part.first, part.end, running_mean[c], inverseSqrt(running_var[c] + params.eps));
  }
}

fn backward_plane(part: Part, lid: u32, chunk: u32) {
  let c = part.c;
  if (c >= params.channels) {
    return;
  }
  let mean = saved_mean[c];
  let inv_std = saved_inv_std[c];
  if (SPLIT) {
    dx_range(c, lid, chunk, part.first, part.end, mean, dx_terms(c, dbeta[c], dgamma[c], inv_std));
  } else {
    let t = backward_terms(c, backward_sums(c, lid, chunk, 0u, params.batch, mean), inv_std, lid == 0u);
    dx_range(c, lid, chunk, part.first, part.end, mean, t);
  }
}

// ---- BatchNorm1d ([N, C], spatial 1): one invocation per channel ----
// Such a channel is a column of N values with stride C. One invocation walks it alone, with no
// workgroup sum: the barriers of the workgroup path cost SwiftShader far more than these small
// channels' arithmetic (LeNet's bn3: 120 channels of 64 values each took ~1 ms per pass).

fn normalize_column(c: u32, mean: f32, inv_std: f32) {
  let f = affine(c, inv_std);
  for (var i = c; i < params.batch * params.channels; i += params.channels) {
    y[i] = (x[i] - mean) * f.scale + f.shift;
  }
}

fn forward_train_column(c: u32) {
  let stride = params.channels;
  if (c >= stride) {
    return;
  }
  let end = params.batch * stride;
  var sum = 0.0;
  for (var i = c; i < end; i += stride) {
    sum += x[i];
  }
  let m0 = sum * params.inv_n;
  var sums = vec2<f32>(0.0);
  for (var i = c; i < end; i += stride) {
    let d = x[i] - m0;
    sums += vec2<f32>(d, d * d);
  }
  let stats = statistics(m0, sums, params.inv_n);
  save_statistics(c, stats);
  normalize_column(c, stats.mean, stats.inv_std);
}

fn forward_eval_column(c: u32) {
  if (c < params.channels) {
    normalize_column(c, running_mean[c], inverseSqrt(running_var[c] + params.eps));
  }
}

fn backward_column(c: u32) {
  let stride = params.channels;
  if (c >= stride) {
    return;
  }
  let end = params.batch * stride;
  let mean = saved_mean[c];
  let inv_std = saved_inv_std[c];
  var sums = vec2<f32>(0.0);
  for (var i = c; i < end; i += stride) {
    let g = dy[i];
    sums += vec2<f32>(g, g * (x[i] - mean));
  }
  let t = backward_terms(c, sums, inv_std, true);
  for (var i = c; i < end; i += stride) {
    dx[i] = t.k * (dy[i] - t.a - (x[i] - mean) * t.b);
  }
}

// ---- entry points: COLUMN picks the layout, CHUNK the plane path's chunk width ----
// The column path runs one invocation per channel in workgroups of WG, the plane path one
// workgroup per (channel, part); the overrides are uniform, so the plane path's barriers stay in
// uniform control flow. BatchNorm1d's column path is never split (STATS_HERE or STATS_RUNNING).

@compute @workgroup_size(WG)
fn batchnorm_forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                     @builtin(local_invocation_index) lid: u32) {
  if (COLUMN) {
    let c = grid_index(wid, nwg, lid, WG);
    if (STATS == STATS_RUNNING) {
      forward_eval_column(c);
    } else {
      forward_train_column(c);
    }
  } else {
    forward_plane(part_of(wid, nwg), lid, CHUNK);
  }
}

@compute @workgroup_size(WG)
fn batchnorm_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                      @builtin(local_invocation_index) lid: u32) {
  if (COLUMN) {
    backward_column(grid_index(wid, nwg, lid, WG));
  } else {
    backward_plane(part_of(wid, nwg), lid, CHUNK);
  }
}

@compute @workgroup_size(WG)
fn batchnorm_partials(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                      @builtin(local_invocation_index) lid: u32) {
  partials_of(part_of(wid, nwg), lid, CHUNK);
}

@compute @workgroup_size(WG)
fn batchnorm_finalize(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                      @builtin(local_invocation_index) lid: u32) {
  finalize(grid_index(wid, nwg, lid, WG));
}
