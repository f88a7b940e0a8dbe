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
// Every tensor with an `in` axis (x, weight, dx, dW, through) is read and written as vec4 along
// that axis, so `in` must be a multiple of 4 (src/ops/linear.ts refuses other sizes); dy is
// bound as vec4 too, and read four values at a time where `out` is a multiple of 4 (DY_ROWS).
// On SwiftShader every load with a per-invocation index is a per-lane gather, so fewer, wider
// loads pay (bench/README.md: conv3's three passes 6.0 → 4.8 ms per batch of 64).
// Each invocation computes a block of outputs in registers:
//   forward, 8 × 8:          per 4 steps of the sum, 8 + 8 vec4 loads feed 256 multiply-adds;
//   backward_input, 8 × 16:  per 4 steps, 8 vec4 of dy (DY_ROWS; else 32 values) and 16 vec4 of
//                            the weight feed 512;
//   backward_weight, 8 × 16: per sample, 2 vec4 of dy (DY_ROWS; else 8 values) and 4 vec4 of x
//                            feed 128.
// Workgroup-memory tiling was slower on SwiftShader. Tile indices past the edge are clamped for
// the loads, so the inner loops have no branches, and only the stores are guarded. Every output
// is one sum in a fixed order, so results are deterministic; backward_weight sums over the batch
// this way too, with no cross-invocation reduction. The 1-D grid of tiles may be folded into 2-D.
//
// The same kernels run the convolutions whose window covers their whole unpadded input (LeNet's
// conv3: 16×5×5 → 120×1×1), which are this product with in = Cin·k·k (src/ops/conv2d.ts).

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
// The backward passes: `out` is a multiple of 4, so dy's rows are whole vec4s (conv3, fc1) and a
// tile loads 4 of a row's values at once; otherwise (fc2's 10) one value at a time.
override DY_ROWS: bool;

@group(0) @binding(0) var<uniform> params: Params;
// [N, in / 4], [out, in / 4]: vec4 along `in`.
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> weight: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
// [N · out / 4], rounded up (buffers are whole vec4s): vec4 along `out`.
@group(0) @binding(5) var<storage, read> dy: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> dx: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> d_weight: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> d_bias: array<f32>;
// backward_input_tanh: the tanh output that was this layer's input, [N, in / 4].
@group(0) @binding(9) var<storage, read> through: array<vec4<f32>>;

// Origin (row, column) of this invocation's tile in a rows × cols output, or none past the end.
struct Tile {
  row: u32,
  col: u32,
  valid: bool,
}

// Tiles are TILE rows × `width` columns.
fn tile_of(wid: vec3<u32>, nwg: vec3<u32>, lid: u32, rows: u32, cols: u32, width: u32) -> Tile {
  let t = grid_index(wid, nwg, lid, WG);
  let tile_cols = (cols + width - 1u) / width;
  let tile_rows = (rows + TILE - 1u) / TILE;
  return Tile((t / tile_cols) * TILE, (t % tile_cols) * width, t < tile_rows * tile_cols);
}

// Four indices from `start`, clamped to `limit - 1` so loads stay in bounds.
fn clamped(start: u32, limit: u32) -> vec4<u32> {
  return min(vec4<u32>(start) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(limit - 1u));
}

// A forward tile's sums: acc[2r + h] holds row r, columns 4h .. 4h + 3.
alias TileSums = array<vec4<f32>, 16>;

// Elements i.x .. i.w of dy (one at a time: without DY_ROWS).
fn gather_dy(i: vec4<u32>) -> vec4<f32> {
  return vec4<f32>(dy[i.x / 4u][i.x % 4u], dy[i.y / 4u][i.y % 4u], dy[i.z / 4u][i.z % 4u], dy[i.w / 4u][i.w % 4u]);
}

// With DY_ROWS: four consecutive values of four dy rows (vec4 offsets `at` + k), transposed, so
// that column j holds the four rows' values at the j-th of the four.
fn dy_block(at: vec4<u32>, k: u32) -> mat4x4<f32> {
  return transpose(mat4x4<f32>(dy[at.x + k], dy[at.y + k], dy[at.z + k], dy[at.w + k]));
}

// One row's dot products with the tile's 8 weight rows (four steps of the sum each).
struct WeightRows {
  lo: array<vec4<f32>, 4>,
  hi: array<vec4<f32>, 4>,
}

fn dots(xs: vec4<f32>, w: array<vec4<f32>, 4>) -> vec4<f32> {
  return vec4<f32>(dot(xs, w[0]), dot(xs, w[1]), dot(xs, w[2]), dot(xs, w[3]));
}

// acc[2r + h] += the dot products of x row r's four values with the weight rows of half h.
fn row_dots(acc: ptr<function, TileSums>, r: u32, xs: vec4<f32>, w: WeightRows) {
  (*acc)[2u * r] += dots(xs, w.lo);
  (*acc)[2u * r + 1u] += dots(xs, w.hi);
}

fn weight_rows(lo: vec4<u32>, hi: vec4<u32>, k: u32) -> WeightRows {
  return WeightRows(array<vec4<f32>, 4>(weight[lo.x + k], weight[lo.y + k], weight[lo.z + k], weight[lo.w + k]),
                    array<vec4<f32>, 4>(weight[hi.x + k], weight[hi.y + k], weight[hi.z + k], weight[hi.w + k]));
}

// The sums of a forward tile (no bias): rows are samples, columns output features.
fn forward_sums(tile: Tile) -> TileSums {
  let in4 = params.in_features / 4u;
  let x_lo = clamped(tile.row, params.batch) * in4;
  let x_hi = clamped(tile.row + 4u, params.batch) * in4;
  let w_lo = clamped(tile.col, params.out_features) * in4;
  let w_hi = clamped(tile.col + 4u, params.out_features) * in4;
  var acc: TileSums;
  for (var k = 0u; k < in4; k++) {
    let w = weight_rows(w_lo, w_hi, k);
    row_dots(&acc, 0u, x[x_lo.x + k], w); row_dots(&acc, 1u, x[x_lo.y + k], w);
    row_dots(&acc, 2u, x[x_lo.z + k], w); row_dots(&acc, 3u, x[x_lo.w + k], w);
    row_dots(&acc, 4u, x[x_hi.x + k], w); row_dots(&acc, 5u, x[x_hi.y + k], w);
    row_dots(&acc, 6u, x[x_hi.z + k], w); row_dots(&acc, 7u, x[x_hi.w + k], w);
  }
  return acc;
}

@compute @workgroup_size(WG)
fn linear_forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                  @builtin(local_invocation_index) lid: u32) {
  let tile = tile_of(wid, nwg, lid, params.batch, params.out_features, TILE);
  if (!tile.valid) {
    return;
  }
  let n_out = params.out_features;
  let acc = forward_sums(tile);
  for (var e = 0u; e < TILE * TILE; e++) {
    let r = e / TILE;
    let c = e % TILE;
    let row = tile.row + r;
    let col = tile.col + c;
    if (row < params.batch && col < n_out) {
      let z = acc[2u * r + c / 4u][c % 4u] + bias[col];
      if (TANH) {
        y[row * n_out + col] = stable_tanh(z);
      } else {
        y[row * n_out + col] = z;
      }
    }
  }
}

// Backward tiles (dx, dW) are TILE rows × VEC_COLUMNS vec4 along `in`: wider than the forward's,
// so that each row's dy value (loaded alone without DY_ROWS) serves 16 columns.
const VEC_COLUMNS: u32 = 4u;

// A backward tile's sums: acc[4r + q] holds row r, vec4 column q.
alias WideSums = array<vec4<f32>, 32>;

// A backward tile's vec4 columns, clamped for loads, and whether each exists.
struct VecColumns {
  at: array<u32, 4>,
  ok: array<bool, 4>,
}

fn vec_columns(tile: Tile) -> VecColumns {
  let in4 = params.in_features / 4u;
  let c = tile.col / 4u;
  let last = in4 - 1u;
  return VecColumns(array<u32, 4>(min(c, last), min(c + 1u, last), min(c + 2u, last), min(c + 3u, last)),
                    array<bool, 4>(c < in4, c + 1u < in4, c + 2u < in4, c + 3u < in4));
}

// The tile's four vec4 columns of the row starting at vec4 `base` of a weight or x row.
fn weight_columns(base: u32, cols: VecColumns) -> array<vec4<f32>, 4> {
  return array<vec4<f32>, 4>(weight[base + cols.at[0]], weight[base + cols.at[1]], weight[base + cols.at[2]], weight[base + cols.at[3]]);
}

fn x_columns(base: u32, cols: VecColumns) -> array<vec4<f32>, 4> {
  return array<vec4<f32>, 4>(x[base + cols.at[0]], x[base + cols.at[1]], x[base + cols.at[2]], x[base + cols.at[3]]);
}

// acc[4r + q] += v · c[q] for row r.
fn row_outer(acc: ptr<function, WideSums>, r: u32, v: f32, c: array<vec4<f32>, 4>) {
  (*acc)[4u * r] += v * c[0];
  (*acc)[4u * r + 1u] += v * c[1];
  (*acc)[4u * r + 2u] += v * c[2];
  (*acc)[4u * r + 3u] += v * c[3];
}

// The outer product of a tile's 8 row values (r_lo, r_hi) and its 4 vec4 columns.
fn wide_outer(acc: ptr<function, WideSums>, r_lo: vec4<f32>, r_hi: vec4<f32>, c: array<vec4<f32>, 4>) {
  row_outer(acc, 0u, r_lo.x, c); row_outer(acc, 1u, r_lo.y, c); row_outer(acc, 2u, r_lo.z, c); row_outer(acc, 3u, r_lo.w, c);
  row_outer(acc, 4u, r_hi.x, c); row_outer(acc, 5u, r_hi.y, c); row_outer(acc, 6u, r_hi.z, c); row_outer(acc, 7u, r_hi.w, c);
}

// The sums of a backward-input tile: rows are samples, columns input features; summed over the
// outputs o in order either way.
fn input_sums(tile: Tile, cols: VecColumns) -> WideSums {
  let in4 = params.in_features / 4u;
  let n_out = params.out_features;
  var acc: WideSums;
  if (DY_ROWS) {
    let out4 = n_out / 4u;
    let d_lo = clamped(tile.row, params.batch) * out4;
    let d_hi = clamped(tile.row + 4u, params.batch) * out4;
    for (var o4 = 0u; o4 < out4; o4++) {
      let lo = dy_block(d_lo, o4);
      let hi = dy_block(d_hi, o4);
      let wo = 4u * o4 * in4;
      wide_outer(&acc, lo[0], hi[0], weight_columns(wo, cols));
      wide_outer(&acc, lo[1], hi[1], weight_columns(wo + in4, cols));
      wide_outer(&acc, lo[2], hi[2], weight_columns(wo + 2u * in4, cols));
      wide_outer(&acc, lo[3], hi[3], weight_columns(wo + 3u * in4, cols));
    }
  } else {
    let d_lo = clamped(tile.row, params.batch) * n_out;
    let d_hi = clamped(tile.row + 4u, params.batch) * n_out;
    for (var o = 0u; o < n_out; o++) {
      wide_outer(&acc, gather_dy(d_lo + o), gather_dy(d_hi + o), weight_columns(o * in4, cols));
    }
  }
  return acc;
}

// Sum s = 4r + q of a tile of a [rows, in] tensor (dx, dW): its vec4 index, and whether it lies
// inside the tensor.
struct VecOut {
  index: u32,
  valid: bool,
}

fn vec_out(tile: Tile, cols: VecColumns, s: u32, rows: u32) -> VecOut {
  let row = tile.row + s / VEC_COLUMNS;
  let q = s % VEC_COLUMNS;
  return VecOut(row * (params.in_features / 4u) + cols.at[q], row < rows && cols.ok[q]);
}

@compute @workgroup_size(WG)
fn linear_backward_input(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                         @builtin(local_invocation_index) lid: u32) {
  let tile = tile_of(wid, nwg, lid, params.batch, params.in_features, 4u * VEC_COLUMNS);
  if (!tile.valid) {
    return;
  }
  let cols = vec_columns(tile);
  let acc = input_sums(tile, cols);
  for (var s = 0u; s < VEC_COLUMNS * TILE; s++) {
    let out = vec_out(tile, cols, s, params.batch);
    if (out.valid) {
      dx[out.index] = acc[s];
    }
  }
}

@compute @workgroup_size(WG)
fn linear_backward_input_tanh(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                              @builtin(local_invocation_index) lid: u32) {
  let tile = tile_of(wid, nwg, lid, params.batch, params.in_features, 4u * VEC_COLUMNS);
  if (!tile.valid) {
    return;
  }
  let cols = vec_columns(tile);
  let acc = input_sums(tile, cols);
  for (var s = 0u; s < VEC_COLUMNS * TILE; s++) {
    let out = vec_out(tile, cols, s, params.batch);
    if (out.valid) {
      let t = through[out.index];
      dx[out.index] = acc[s] * (1.0 - t * t);
    }
  }
}

// Tiles of dW are (output row, input column). The bias gradient reuses the dy values the tile
// already loads, and is stored by the tiles of the first column only.
@compute @workgroup_size(WG)
fn linear_backward_weight(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                          @builtin(local_invocation_index) lid: u32) {
  let n_out = params.out_features;
  let in4 = params.in_features / 4u;
  let tile = tile_of(wid, nwg, lid, n_out, params.in_features, 4u * VEC_COLUMNS);
  if (!tile.valid) {
    return;
  }
  let cols = vec_columns(tile);
  let o_lo = clamped(tile.row, n_out);
  let o_hi = clamped(tile.row + 4u, n_out);
  var acc: WideSums;
  var db_lo = vec4<f32>(0.0);
  var db_hi = vec4<f32>(0.0);
  // With DY_ROWS, the tile's 8 dy values of a sample are two vec4 (the second clamped: it lies
  // past `out` only where its rows are not stored).
  let out4 = n_out / 4u;
  let o4 = vec2<u32>(tile.row / 4u, min(tile.row / 4u + 1u, max(out4, 1u) - 1u));
  for (var n = 0u; n < params.batch; n++) {
    let dn = n * n_out;
    let xn = n * in4;
    var g_lo: vec4<f32>;
    var g_hi: vec4<f32>;
    if (DY_ROWS) {
      g_lo = dy[n * out4 + o4.x];
      g_hi = dy[n * out4 + o4.y];
    } else {
      g_lo = gather_dy(o_lo + dn);
      g_hi = gather_dy(o_hi + dn);
    }
    wide_outer(&acc, g_lo, g_hi, x_columns(xn, cols));
    db_lo += g_lo;
    db_hi += g_hi;
  }
  for (var s = 0u; s < VEC_COLUMNS * TILE; s++) {
    let out = vec_out(tile, cols, s, n_out);
    if (out.valid) {
      d_weight[out.index] = acc[s];
    }
  }
  if (tile.col == 0u) {
    let db = array<f32, 8>(db_lo.x, db_lo.y, db_lo.z, db_lo.w, db_hi.x, db_hi.y, db_hi.z, db_hi.w);
    for (var r = 0u; r < min(n_out - tile.row, TILE); r++) {
      d_bias[tile.row + r] = db[r];
    }
  }
}
