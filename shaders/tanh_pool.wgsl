// Fused tanh → 2-D average pooling over non-overlapping k×k windows (stride = k, floor mode): the
// pair that follows conv1 and conv2 in LeNet-5. Forward reads the pre-activation z once, writes
// the pooled map, and replaces z by tanh(z) in place — backward needs only that (1 − tanh²), so
// it computes no tanh and the step keeps no extra activation buffer. Per element the arithmetic
// is that of the unfused kernels (activation.wgsl then pool.wgsl), in the same order, so the
// fused results equal theirs bit for bit.
//
// Each invocation owns one row of windows (one output row of one plane) and walks it: integer
// division, scalarized per lane on SIMD CPUs (SwiftShader), happens once per row instead of
// several times per element, which made the element-per-invocation version several times slower.
// stable_tanh comes from lib/tanh.wgsl, prepended by src/ops/tanh-pool.ts.

struct Params {
  planes: u32,
  height: u32,
  width: u32,
  out_height: u32,
  out_width: u32,
  kernel_size: u32,
  area: f32,
}

const WG: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;
// Forward: z in, tanh(z) out (inside the windows; inputs left outside every window are kept).
@group(0) @binding(1) var<storage, read_write> zt: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
// Backward: t = tanh(z) as the forward left it.
@group(0) @binding(3) var<storage, read> t: array<f32>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;
@group(0) @binding(5) var<storage, read_write> dz: array<f32>;

// The output row this invocation owns: its index among all planes' rows, and the offset of the
// first input element of its windows.
struct Row {
  index: u32,
  valid: bool,
  oh: u32,
  first: u32,
}

fn row_at(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> Row {
  let index = (wid.x + wid.y * nwg.x) * WG + lid;
  let plane = index / params.out_height;
  let oh = index - plane * params.out_height;
  return Row(index, index < params.planes * params.out_height, oh,
             (plane * params.height + oh * params.kernel_size) * params.width);
}

// y[o] = Σ_window tanh(z) / area for each window of the row; each tanh(z) written back over z.
@compute @workgroup_size(WG)
fn tanh_pool_forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                     @builtin(local_invocation_index) lid: u32) {
  let row = row_at(wid, nwg, lid);
  if (!row.valid) {
    return;
  }
  let k = params.kernel_size;
  let window = k * k;
  let next_row = params.width - k;
  var o = row.index * params.out_width;
  var corner = row.first;
  for (var ow = 0u; ow < params.out_width; ow++) {
    // The window's k² elements row by row, as one flat loop (cheaper than two short ones).
    var i = corner;
    var j = 0u;
    var sum = 0.0;
    for (var e = 0u; e < window; e++) {
      let a = stable_tanh(zt[i]);
      zt[i] = a;
      sum += a;
      j++;
      let wrap = j == k;
      j = select(j, 0u, wrap);
      i += select(1u, 1u + next_row, wrap);
    }
    y[o] = sum / params.area;
    o++;
    corner += k;
  }
}

// dz = dy[window] / area · (1 − t²); inputs left outside every window (floor mode) get 0.
@compute @workgroup_size(WG)
fn tanh_pool_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                      @builtin(local_invocation_index) lid: u32) {
  let row = row_at(wid, nwg, lid);
  if (!row.valid) {
    return;
  }
  let k = params.kernel_size;
  let window = k * k;
  let next_row = params.width - k;
  var o = row.index * params.out_width;
  var corner = row.first;
  for (var ow = 0u; ow < params.out_width; ow++) {
    let g = dy[o] / params.area;
    var i = corner;
    var j = 0u;
    for (var e = 0u; e < window; e++) {
      let a = t[i];
      dz[i] = g * (1.0 - a * a);
      j++;
      let wrap = j == k;
      j = select(j, 0u, wrap);
      i += select(1u, 1u + next_row, wrap);
    }
    o++;
    corner += k;
  }
  // Floor mode: the columns right of the last window in this row's k input rows, and, for a
  // plane's last output row, the input rows below it.
  let used = params.out_width * k;
  let rows = select(k, params.height - row.oh * k, row.oh + 1u == params.out_height);
  let extra = params.width - used;
  if (extra == 0u && rows == k) {
    return;
  }
  for (var r = 0u; r < rows; r++) {
    let start = row.first + r * params.width;
    let first_column = select(used, 0u, r >= k);
    for (var c = first_column; c < params.width; c++) {
      dz[start + c] = 0.0;
    }
  }
}
