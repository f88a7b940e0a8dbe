// Softmax cross-entropy over logits [N, C] with integer labels [N].
//   softmax_ce_forward:  d_logits = (softmax − onehot) / N, the gradient of the MEAN loss
//                        (overwritten), and the metrics accumulation below.
//   softmax_ce_evaluate: the metrics accumulation only.
//   softmax_ce_predict:  predictions[n] = argmax_c logits[n, c].
// Metrics (accumulated, so a whole epoch sums on the GPU without readbacks):
//   metrics[0] += Σ_n loss_n, metrics[1] += #(argmax == label), metrics[2] += N; metrics[3] is
//   left alone.
// The loss is log-sum-exp with the row maximum subtracted, so it stays finite for any finite
// logits. argmax keeps the first maximum (ties → lowest index, as torch.argmax).
// A label ≥ C (no such class) is not read as an index: that sample adds 0 to the loss, counts as
// wrong, still counts in N, and gets a zero gradient row.
// Forward and evaluate run as ONE workgroup over the whole batch: each invocation sums its
// samples (n = lid, lid + WG, ...), then invocation 0 adds the partial sums in order, so the
// accumulation is race-free and bit-reproducible. (A tree reduction needs a barrier per level,
// and barriers in a loop cost SwiftShader far more than 64 sequential adds.)

//#include "lib/grid.wgsl"

struct Params {
  batch: u32,
  classes: u32,
}

const WG: u32 = 64u;
const PREDICT_WG: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read_write> d_logits: array<f32>;
@group(0) @binding(4) var<storage, read_write> metrics: array<f32>;
@group(0) @binding(5) var<storage, read_write> predictions: array<u32>;

var<workgroup> loss_partial: array<f32, WG>;
var<workgroup> correct_partial: array<u32, WG>;

struct RowMax {
  value: f32,
  index: u32,
}

fn row_max(row: u32) -> RowMax {
  var best = RowMax(logits[row], 0u);
  for (var c = 1u; c < params.classes; c++) {
    let v = logits[row + c];
    if (v > best.value) {
      best = RowMax(v, c);
    }
  }
  return best;
}

// Σ_c exp(logit − max) ≥ 1, so its log never sees 0 and no exp overflows.
fn row_exp_sum(row: u32, peak: f32) -> f32 {
  var sum = 0.0;
  for (var c = 0u; c < params.classes; c++) {
    sum += exp(logits[row + c] - peak);
  }
  return sum;
}

struct SampleStats {
  loss: f32,
  correct: u32,
}

// (max − logit[label]) + log Σ exp(logit − max): the difference is formed first so huge
// logits do not cancel.
fn sample_stats(row: u32, best: RowMax, sum: f32, label: u32) -> SampleStats {
  if (label >= params.classes) {
    return SampleStats(0.0, 0u);
  }
  return SampleStats((best.value - logits[row + label]) + log(sum), select(0u, 1u, best.index == label));
}

// Tree-reduce every invocation's partial sums in a fixed order; invocation 0 adds them to metrics.
fn accumulate(lid: u32, loss: f32, correct: u32) {
  loss_partial[lid] = loss;
  correct_partial[lid] = correct;
  workgroupBarrier();
  if (lid == 0u) {
    var loss_sum = 0.0;
    var correct_sum = 0u;
    for (var i = 0u; i < WG; i++) {
      loss_sum += loss_partial[i];
      correct_sum += correct_partial[i];
    }
    metrics[0] += loss_sum;
    metrics[1] += f32(correct_sum);
    metrics[2] += f32(params.batch);
  }
}

@compute @workgroup_size(WG)
fn softmax_ce_forward(@builtin(local_invocation_index) lid: u32) {
  let classes = params.classes;
  let scale = 1.0 / f32(params.batch);
  var loss = 0.0;
  var correct = 0u;
  for (var n = lid; n < params.batch; n += WG) {
    let row = n * classes;
    let label = labels[n];
    let best = row_max(row);
    let sum = row_exp_sum(row, best.value);
    // A sample without a valid label gets no gradient at all.
    let p_scale = select(0.0, scale / sum, label < classes);
    for (var c = 0u; c < classes; c++) {
      d_logits[row + c] = exp(logits[row + c] - best.value) * p_scale - select(0.0, scale, c == label);
    }
    let stats = sample_stats(row, best, sum, label);
    loss += stats.loss;
    correct += stats.correct;
  }
  accumulate(lid, loss, correct);
}

@compute @workgroup_size(WG)
fn softmax_ce_evaluate(@builtin(local_invocation_index) lid: u32) {
  var loss = 0.0;
  var correct = 0u;
  for (var n = lid; n < params.batch; n += WG) {
    let row = n * params.classes;
    let best = row_max(row);
    let stats = sample_stats(row, best, row_exp_sum(row, best.value), labels[n]);
    loss += stats.loss;
    correct += stats.correct;
  }
  accumulate(lid, loss, correct);
}

// One row per invocation; the 1-D grid may be folded into 2-D.
@compute @workgroup_size(PREDICT_WG)
fn softmax_ce_predict(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                      @builtin(local_invocation_index) lid: u32) {
  let n = grid_index(wid, nwg, lid, PREDICT_WG);
  if (n < params.batch) {
    predictions[n] = row_max(n * params.classes).index;
  }
}
