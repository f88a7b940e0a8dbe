// Fused tanh → 2-D average pooling over non-overlapping 2×2 windows (stride 2, floor mode): the
// pair that follows conv1 and conv2 in LeNet-5. (Other windows use tanh.wgsl + pool.wgsl.) Forward reads the pre-activation z once, writes
// the pooled map, and replaces z by tanh(z) in place — backward needs only that (1 − tanh²), so
// it computes no tanh and the step keeps no extra activation buffer. Per element the arithmetic
// is that of the unfused kernels (tanh.wgsl then pool.wgsl), in the same order, so the
// fused results equal theirs bit for bit.
//
// Each invocation owns one row of windows (one output row of one plane) and walks it: integer
// division, scalarized per lane on SIMD CPUs (SwiftShader), happens once per row instead of
// several times per element, which made the element-per-invocation version several times slower.
// A window's four elements are written out, not looped over: short loops cost SwiftShader more
// than their bodies.
// stable_tanh comes from lib/stable-tanh.wgsl (included below).

//#include "lib/grid.wgsl"
//#include "lib/stable-tanh.wgsl"

struct Params {
  planes: u32,
  height: u32,
  width: u32,
  out_height: u32,
  out_width: u32,
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
  let index = grid_index(wid, nwg, lid, WG);
  let plane = index / params.out_height;
  let oh = index - plane * params.out_height;
  return Row(index, index < params.planes * params.out_height, oh,
             (plane * params.height + 2u * oh) * params.width);
}

// y[o] = Σ_window tanh(z) / 4 for each window of the row; each tanh(z) written back over z.
@compute @workgroup_size(WG)
fn tanh_pool_forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                     @builtin(local_invocation_index) lid: u32) {
  let row = row_at(wid, nwg, lid);
  if (!row.valid) {
    return;
  }
  let w = params.width;
  var o = row.index * params.out_width;
  var i = row.first;
  for (var ow = 0u; ow < params.out_width; ow++) {
    let a0 = stable_tanh(zt[i]);
    let a1 = stable_tanh(zt[i + 1u]);
    let a2 = stable_tanh(zt[i + w]);
    let a3 = stable_tanh(zt[i + w + 1u]);
    zt[i] = a0;
    zt[i + 1u] = a1;
    zt[i + w] = a2;
    zt[i + w + 1u] = a3;
    // Summed in the unfused pool's order (row by row).
    y[o] = (((0.0 + a0) + a1) + a2 + a3) / 4.0;
    o++;
    i += 2u;
  }
}

// dz = dy[window] / 4 · (1 − t²); inputs left outside every window (floor mode) get 0.
@compute @workgroup_size(WG)
fn tanh_pool_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                      @builtin(local_invocation_index) lid: u32) {
  let row = row_at(wid, nwg, lid);
  if (!row.valid) {
    return;
  }
  let w = params.width;
  var o = row.index * params.out_width;
  var i = row.first;
  for (var ow = 0u; ow < params.out_width; ow++) {
    let g = dy[o] / 4.0;
    let t0 = t[i];
    let t1 = t[i + 1u];
    let t2 = t[i + w];
    let t3 = t[i + w + 1u];
    dz[i] = g * (1.0 - t0 * t0);
    dz[i + 1u] = g * (1.0 - t1 * t1);
    dz[i + w] = g * (1.0 - t2 * t2);
    dz[i + w + 1u] = g * (1.0 - t3 * t3);
    o++;
    i += 2u;
  }
  // Floor mode: the column right of the last window in this row's two input rows, and, for a
  // plane's last output row, the input row below it.
  let used = 2u * params.out_width;
  let rows = select(2u, params.height - 2u * row.oh, row.oh + 1u == params.out_height);
  if (used == w && rows == 2u) {
    return;
  }
  for (var r = 0u; r < rows; r++) {
    let start = row.first + r * w;
    let first_column = select(used, 0u, r >= 2u);
    for (var c = first_column; c < w; c++) {
      dz[start + c] = 0.0;
    }
  }
}
