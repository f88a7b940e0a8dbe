// Fully connected layer, PyTorch layout: x [N, in], weight [out, in], bias [out], y [N, out].
//   forward:         y  = x · Wᵀ + b
//   backward_input:  dx = dy · W
//   backward_weight: dW = dyᵀ · x,  db = Σ_n dy
//
// Each invocation computes a TILE×TILE block of outputs in registers (8 loads feed 16 FMAs);
// workgroup-memory tiling was slower on SwiftShader. Tile indices past the edge are clamped for
// the loads, so the inner loops have no branches, and only the stores are guarded. The
// accumulators are four vec4 variables, not an array indexed in a loop, which a compiler may
// keep in memory instead of registers. Every output
// is one sequential sum in a fixed order, so results are deterministic; backward_weight sums
// over the batch this way too, with no cross-invocation reduction.
// The 1-D grid of tiles may be folded into 2-D.

struct Params {
  batch: u32,
  in_features: u32,
  out_features: u32,
}

const WG: u32 = 64u;
const TILE: u32 = 4u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read> dy: array<f32>;
@group(0) @binding(6) var<storage, read_write> dx: array<f32>;
@group(0) @binding(7) var<storage, read_write> d_weight: array<f32>;
@group(0) @binding(8) var<storage, read_write> d_bias: array<f32>;

// Origin (row, column) of this invocation's tile in a rows × cols output, or none past the end.
struct Tile {
  row: u32,
  col: u32,
  valid: bool,
}

fn tile_of(wid: vec3<u32>, nwg: vec3<u32>, lid: u32, rows: u32, cols: u32) -> Tile {
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  let tile_cols = (cols + TILE - 1u) / TILE;
  let tile_rows = (rows + TILE - 1u) / TILE;
  return Tile((t / tile_cols) * TILE, (t % tile_cols) * TILE, t < tile_rows * tile_cols);
}

// The TILE indices starting at `start`, clamped to `limit - 1` so loads stay in bounds.
fn clamped(start: u32, limit: u32) -> vec4<u32> {
  let last = limit - 1u;
  return min(vec4<u32>(start, start + 1u, start + 2u, start + 3u), vec4<u32>(last));
}

// Row r of a tile's outputs, guarded against the edges.
fn store_y(tile: Tile, r: u32, v: vec4<f32>) {
  let n = tile.row + r;
  if (n < params.batch) {
    for (var c = 0u; c < TILE; c++) {
      let o = tile.col + c;
      if (o < params.out_features) {
        y[n * params.out_features + o] = v[c];
      }
    }
  }
}

fn store_dx(tile: Tile, r: u32, v: vec4<f32>) {
  let n = tile.row + r;
  if (n < params.batch) {
    for (var c = 0u; c < TILE; c++) {
      let i = tile.col + c;
      if (i < params.in_features) {
        dx[n * params.in_features + i] = v[c];
      }
    }
  }
}

fn store_dw(tile: Tile, r: u32, v: vec4<f32>, db: f32) {
  let o = tile.row + r;
  if (o < params.out_features) {
    for (var c = 0u; c < TILE; c++) {
      let i = tile.col + c;
      if (i < params.in_features) {
        d_weight[o * params.in_features + i] = v[c];
      }
    }
    if (tile.col == 0u) {
      d_bias[o] = db;
    }
  }
}

@compute @workgroup_size(WG)
fn linear_forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                  @builtin(local_invocation_index) lid: u32) {
  let n_in = params.in_features;
  let n_out = params.out_features;
  let tile = tile_of(wid, nwg, lid, params.batch, n_out);
  if (!tile.valid) {
    return;
  }
  let xr = clamped(tile.row, params.batch) * n_in;
  let wr = clamped(tile.col, n_out) * n_in;
  var a0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  for (var k = 0u; k < n_in; k++) {
    let w = vec4<f32>(weight[wr.x + k], weight[wr.y + k], weight[wr.z + k], weight[wr.w + k]);
    a0 += x[xr.x + k] * w;
    a1 += x[xr.y + k] * w;
    a2 += x[xr.z + k] * w;
    a3 += x[xr.w + k] * w;
  }
  let oc = clamped(tile.col, n_out);
  let b = vec4<f32>(bias[oc.x], bias[oc.y], bias[oc.z], bias[oc.w]);
  store_y(tile, 0u, a0 + b);
  store_y(tile, 1u, a1 + b);
  store_y(tile, 2u, a2 + b);
  store_y(tile, 3u, a3 + b);
}

@compute @workgroup_size(WG)
fn linear_backward_input(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                         @builtin(local_invocation_index) lid: u32) {
  let n_in = params.in_features;
  let n_out = params.out_features;
  let tile = tile_of(wid, nwg, lid, params.batch, n_in);
  if (!tile.valid) {
    return;
  }
  let dr = clamped(tile.row, params.batch) * n_out;
  let ic = clamped(tile.col, n_in);
  var a0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  for (var o = 0u; o < n_out; o++) {
    let wo = o * n_in;
    let w = vec4<f32>(weight[wo + ic.x], weight[wo + ic.y], weight[wo + ic.z], weight[wo + ic.w]);
    a0 += dy[dr.x + o] * w;
    a1 += dy[dr.y + o] * w;
    a2 += dy[dr.z + o] * w;
    a3 += dy[dr.w + o] * w;
  }
  store_dx(tile, 0u, a0);
  store_dx(tile, 1u, a1);
  store_dx(tile, 2u, a2);
  store_dx(tile, 3u, a3);
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
  let oc = clamped(tile.row, n_out);
  let ic = clamped(tile.col, n_in);
  var a0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  var db = vec4<f32>(0.0);
  for (var n = 0u; n < params.batch; n++) {
    let dn = n * n_out;
    let xn = n * n_in;
    let g = vec4<f32>(dy[dn + oc.x], dy[dn + oc.y], dy[dn + oc.z], dy[dn + oc.w]);
    let v = vec4<f32>(x[xn + ic.x], x[xn + ic.y], x[xn + ic.z], x[xn + ic.w]);
    a0 += g.x * v;
    a1 += g.y * v;
    a2 += g.z * v;
    a3 += g.w * v;
    db += g;
  }
  store_dw(tile, 0u, a0, db.x);
  store_dw(tile, 1u, a1, db.y);
  store_dw(tile, 2u, a2, db.z);
  store_dw(tile, 3u, a3, db.w);
}
