// Fully connected layer, PyTorch layout: x [N, in], weight [out, in], bias [out], y [N, out].
//   forward:         y  = x · Wᵀ + b
//   backward_input:  dx = dy · W
//   backward_weight: dW = dyᵀ · x,  db = Σ_n dy
// and, fused with the tanh around them (LeNet's fc1 → tanh → fc2): forward with TANH writes
// tanh(x · Wᵀ + b), and *_backward_input_tanh multiplies dx by (1 − t²) for the tanh output t that
// fed this layer, so the gradient comes out through that tanh. Same operations in the same
// order as the separate kernels (tanh.wgsl), so the same bits, one dispatch fewer each.
// stable_tanh comes from lib/stable-tanh.wgsl (included below).
//
// Each invocation computes a TILE×TILE (8×8) block of outputs in registers: per step of the sum
// 16 loads feed 64 multiply-adds (every load is a per-lane gather on SwiftShader, so larger tiles
// pay: with 8×8 tiles in workgroups of 16, fc1's three products take 1.1 ms per batch of 64
// instead of 1.6). Workgroup-memory tiling was slower on SwiftShader. Tile indices past the edge are clamped for the loads, so the inner loops have no
// branches, and only the stores are guarded. Every output is one sequential sum in a fixed
// order, so results are deterministic; backward_weight sums over the batch this way too, with no
// cross-invocation reduction. The 1-D grid of tiles may be folded into 2-D.

//#include "lib/grid.wgsl"
//#include "lib/stable-tanh.wgsl"

struct Params {
  batch: u32,
  in_features: u32,
  out_features: u32,
}

// Few, large tiles: small workgroups spread them over SwiftShader's threads.
const WG: u32 = 16u;
// Outputs per invocation along each axis, set by src/ops/linear.ts: 8, which the registers below
// are written for (two vec4 per axis).
override TILE: u32;
// linear_forward writes tanh(x · Wᵀ + b) instead of x · Wᵀ + b.
override TANH: bool;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read> dy: array<f32>;
@group(0) @binding(6) var<storage, read_write> dx: array<f32>;
@group(0) @binding(7) var<storage, read_write> d_weight: array<f32>;
@group(0) @binding(8) var<storage, read_write> d_bias: array<f32>;
// backward_input_tanh: the tanh output that was this layer's input, [N, in].
@group(0) @binding(9) var<storage, read> through: array<f32>;

// Origin (row, column) of this invocation's tile in a rows × cols output, or none past the end.
struct Tile {
  row: u32,
  col: u32,
  valid: bool,
}

fn tile_of(wid: vec3<u32>, nwg: vec3<u32>, lid: u32, rows: u32, cols: u32) -> Tile {
  let t = grid_index(wid, nwg, lid, WG);
  let tile_cols = (cols + TILE - 1u) / TILE;
  let tile_rows = (rows + TILE - 1u) / TILE;
  return Tile((t / tile_cols) * TILE, (t % tile_cols) * TILE, t < tile_rows * tile_cols);
}

// Four indices from `start`, clamped to `limit - 1` so loads stay in bounds.
fn clamped(start: u32, limit: u32) -> vec4<u32> {
  return min(vec4<u32>(start) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(limit - 1u));
}

// acc[2r + h] += rows[r] · cols[4h .. 4h + 3]: the outer product of a tile's 8 row values
// (r_lo, r_hi) and 8 column values (c_lo, c_hi).
fn outer(acc: ptr<function, array<vec4<f32>, 16>>, r_lo: vec4<f32>, r_hi: vec4<f32>, c_lo: vec4<f32>, c_hi: vec4<f32>) {
  (*acc)[0] += r_lo.x * c_lo; (*acc)[1] += r_lo.x * c_hi;
  (*acc)[2] += r_lo.y * c_lo; (*acc)[3] += r_lo.y * c_hi;
  (*acc)[4] += r_lo.z * c_lo; (*acc)[5] += r_lo.z * c_hi;
  (*acc)[6] += r_lo.w * c_lo; (*acc)[7] += r_lo.w * c_hi;
  (*acc)[8] += r_hi.x * c_lo; (*acc)[9] += r_hi.x * c_hi;
  (*acc)[10] += r_hi.y * c_lo; (*acc)[11] += r_hi.y * c_hi;
  (*acc)[12] += r_hi.z * c_lo; (*acc)[13] += r_hi.z * c_hi;
  (*acc)[14] += r_hi.w * c_lo; (*acc)[15] += r_hi.w * c_hi;
}

fn gather_x(i: vec4<u32>) -> vec4<f32> {
  return vec4<f32>(x[i.x], x[i.y], x[i.z], x[i.w]);
}

fn gather_weight(i: vec4<u32>) -> vec4<f32> {
  return vec4<f32>(weight[i.x], weight[i.y], weight[i.z], weight[i.w]);
}

fn gather_dy(i: vec4<u32>) -> vec4<f32> {
  return vec4<f32>(dy[i.x], dy[i.y], dy[i.z], dy[i.w]);
}

// Output e (0..63, row-major) of a tile in a [rows, cols] row-major tensor: its flat index and
// value, and whether it lies inside the tensor.
struct Output {
  index: u32,
  value: f32,
  valid: bool,
}

fn tile_output(tile: Tile, acc: ptr<function, array<vec4<f32>, 16>>, e: u32, rows: u32, cols: u32) -> Output {
  let r = e / TILE;
  let c = e % TILE;
  let row = tile.row + r;
  let col = tile.col + c;
  return Output(row * cols + col, (*acc)[2u * r + c / 4u][c % 4u], row < rows && col < cols);
}

// The sums of a forward tile (no bias).
fn forward_sums(tile: Tile) -> array<vec4<f32>, 16> {
  let n_in = params.in_features;
  let n_out = params.out_features;
  let x_lo = clamped(tile.row, params.batch) * n_in;
  let x_hi = clamped(tile.row + 4u, params.batch) * n_in;
  let w_lo = clamped(tile.col, n_out) * n_in;
  let w_hi = clamped(tile.col + 4u, n_out) * n_in;
  var acc: array<vec4<f32>, 16>;
  for (var k = 0u; k < n_in; k++) {
    outer(&acc, gather_x(x_lo + k), gather_x(x_hi + k), gather_weight(w_lo + k), gather_weight(w_hi + k));
  }
  return acc;
}

@compute @workgroup_size(WG)
fn linear_forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                  @builtin(local_invocation_index) lid: u32) {
  let tile = tile_of(wid, nwg, lid, params.batch, params.out_features);
  if (!tile.valid) {
    return;
  }
  var acc = forward_sums(tile);
  for (var e = 0u; e < TILE * TILE; e++) {
    let out = tile_output(tile, &acc, e, params.batch, params.out_features);
    if (out.valid) {
      let z = out.value + bias[tile.col + e % TILE];
      if (TANH) {
        y[out.index] = stable_tanh(z);
      } else {
        y[out.index] = z;
      }
    }
  }
}

// The sums of a backward-input tile.
fn input_sums(tile: Tile) -> array<vec4<f32>, 16> {
  let n_in = params.in_features;
  let n_out = params.out_features;
  let d_lo = clamped(tile.row, params.batch) * n_out;
  let d_hi = clamped(tile.row + 4u, params.batch) * n_out;
  let i_lo = clamped(tile.col, n_in);
  let i_hi = clamped(tile.col + 4u, n_in);
  var acc: array<vec4<f32>, 16>;
  for (var o = 0u; o < n_out; o++) {
    let wo = o * n_in;
    outer(&acc, gather_dy(d_lo + o), gather_dy(d_hi + o), gather_weight(i_lo + wo), gather_weight(i_hi + wo));
  }
  return acc;
}

@compute @workgroup_size(WG)
fn linear_backward_input(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                         @builtin(local_invocation_index) lid: u32) {
  let tile = tile_of(wid, nwg, lid, params.batch, params.in_features);
  if (!tile.valid) {
    return;
  }
  var acc = input_sums(tile);
  for (var e = 0u; e < TILE * TILE; e++) {
    let out = tile_output(tile, &acc, e, params.batch, params.in_features);
    if (out.valid) {
      dx[out.index] = out.value;
    }
  }
}

@compute @workgroup_size(WG)
fn linear_backward_input_tanh(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                              @builtin(local_invocation_index) lid: u32) {
  let tile = tile_of(wid, nwg, lid, params.batch, params.in_features);
  if (!tile.valid) {
    return;
  }
  var acc = input_sums(tile);
  for (var e = 0u; e < TILE * TILE; e++) {
    let out = tile_output(tile, &acc, e, params.batch, params.in_features);
    if (out.valid) {
      let t = through[out.index];
      dx[out.index] = out.value * (1.0 - t * t);
    }
  }
}

// Tiles of dW are (output row, input column). The bias gradient reuses the dy values the tile
// already loads, and is stored by the tiles of the first column only.
@compute @workgroup_size(WG)
fn linear_backward_weight(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                          @builtin(local_invocation_index) lid: u32) {
  let n_in = params.in_features;
  let n_out = params.out_features;
  let tile = tile_of(wid, nwg, lid, n_out, n_in);
  if (!tile.valid) {
    return;
  }
  let o_lo = clamped(tile.row, n_out);
  let o_hi = clamped(tile.row + 4u, n_out);
  let i_lo = clamped(tile.col, n_in);
  let i_hi = clamped(tile.col + 4u, n_in);
  var acc: array<vec4<f32>, 16>;
  var db_lo = vec4<f32>(0.0);
  var db_hi = vec4<f32>(0.0);
  for (var n = 0u; n < params.batch; n++) {
    let dn = n * n_out;
    let xn = n * n_in;
    let g_lo = gather_dy(o_lo + dn);
    let g_hi = gather_dy(o_hi + dn);
    outer(&acc, g_lo, g_hi, gather_x(i_lo + xn), gather_x(i_hi + xn));
    db_lo += g_lo;
    db_hi += g_hi;
  }
  for (var e = 0u; e < TILE * TILE; e++) {
    let out = tile_output(tile, &acc, e, n_out, n_in);
    if (out.valid) {
      d_weight[out.index] = out.value;
    }
  }
  if (tile.col == 0u) {
    let db = array<f32, 8>(db_lo.x, db_lo.y, db_lo.z, db_lo.w, db_hi.x, db_hi.y, db_hi.z, db_hi.w);
    for (var r = 0u; r < min(n_out - tile.row, TILE); r++) {
      d_bias[tile.row + r] = db[r];
    }
  }
}
