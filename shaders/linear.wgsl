// Fully connected layer, PyTorch layout: x [N, in], weight [out, in], bias [out], y [N, out].
//   forward:         y  = x · Wᵀ + b
//   backward_input:  dx = dy · W
//   backward_weight: dW = dyᵀ · x,  db = Σ_n dy
//
// Each invocation computes a TILE×TILE block of outputs in registers (8 loads feed 16 FMAs);
// workgroup-memory tiling was slower on SwiftShader. Tile indices past the edge are clamped for
// the loads, so the inner loops have no branches, and only the stores are guarded. Every output
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
  return Tile((t % tile_rows) * TILE, (t / tile_rows) * TILE, t < tile_rows * tile_cols);
}

// The TILE indices starting at `start`, clamped to `limit - 1` so loads stay in bounds.
fn clamped(start: u32, limit: u32) -> vec4<u32> {
  let last = limit - 1u;
  return min(vec4<u32>(start, start + 1u, start + 2u, start + 3u), vec4<u32>(last));
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
  var acc: array<vec4<f32>, 4>;
  for (var k = 0u; k < n_in; k++) {
    let w = vec4<f32>(weight[wr.x + k], weight[wr.y + k], weight[wr.z + k], weight[wr.w + k]);
    acc[0] += x[xr.x + k] * w;
    acc[1] += x[xr.y + k] * w;
    acc[2] += x[xr.z + k] * w;
    acc[3] += x[xr.w + k] * w;
  }
  let oc = clamped(tile.col, n_out);
  let b = vec4<f32>(bias[oc.x], bias[oc.y], bias[oc.z], bias[oc.w]);
  for (var r = 0u; r < TILE; r++) {
    let n = tile.row + r;
    if (n < params.batch) {
      for (var c = 0u; c < TILE; c++) {
        let o = tile.col + c;
        if (o < n_out) {
          y[n * n_out + o] = acc[r][c] + b[c];
        }
      }
    }
  }
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
  var acc: array<vec4<f32>, 4>;
  for (var o = 0u; o < n_out; o++) {
    let wo = o * n_in;
    let w = vec4<f32>(weight[wo + ic.x], weight[wo + ic.y], weight[wo + ic.z], weight[wo + ic.w]);
    acc[0] += dy[dr.x + o] * w;
    acc[1] += dy[dr.y + o] * w;
    acc[2] += dy[dr.z + o] * w;
    acc[3] += dy[dr.w + o] * w;
  }
  for (var r = 0u; r < TILE; r++) {
    let n = tile.row + r;
    if (n < params.batch) {
      for (var c = 0u; c < TILE; c++) {
        let i = tile.col + c;
        if (i < n_in) {
          dx[n * n_in + i] = acc[r][c];
        }
      }
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
  let oc = clamped(tile.row, n_out);
  let ic = clamped(tile.col, n_in);
  var acc: array<vec4<f32>, 4>;
  var db = vec4<f32>(0.0);
  for (var n = 0u; n < params.batch; n++) {
    let dn = n * n_out;
    let xn = n * n_in;
    let g = vec4<f32>(dy[dn + oc.x], dy[dn + oc.y], dy[dn + oc.z], dy[dn + oc.w]);
    let v = vec4<f32>(x[xn + ic.x], x[xn + ic.y], x[xn + ic.z], x[xn + ic.w]);
    acc[0] += g.x * v;
    acc[1] += g.y * v;
    acc[2] += g.z * v;
    acc[3] += g.w * v;
    db += g;
  }
  for (var r = 0u; r < TILE; r++) {
    let o = tile.row + r;
    if (o < n_out) {
      for (var c = 0u; c < TILE; c++) {
        let i = tile.col + c;
        if (i < n_in) {
          d_weight[o * n_in + i] = acc[r][c];
        }
      }
      if (tile.col == 0u) {
        d_bias[o] = db[r];
      }
    }
  }
}
