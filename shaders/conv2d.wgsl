// 2-D convolution, stride 1, zero padding, NCHW, as implicit GEMM (no im2col buffer).
//
// Forward and backwardInput are one correlation,
//   out[n, o, i, j] = Σ_{c,u,v} in[n, c, i+u−pad, j+v−pad] · w(o, c, u, v),
// where w(o, c, u, v) = conv_weight[w_base + o·w_out + c·w_in + u·w_row + v·w_col]. Forward reads
// the weight as stored; backwardInput (in = dy, out = dx, pad = k−1−p) swaps its channel strides
// and negates its kernel strides, which is the transposed, flipped kernel without a copy.
// Each invocation owns a register tile of output channels × samples at one output position, so
// all its outputs share the same in-range taps and need no per-pixel bounds checks. SwiftShader
// spends most of its time on buffer loads (each a per-lane gather), so tiles are large: 8
// channels × 16 samples (24 loads per 128 multiply-adds); 6 × 16 for six-channel maps and
// 1 × 16 for one or two channels waste less. Workgroup-memory tiling was slower on SwiftShader.
//
// backwardWeight: dweight[o, col] = Σ_p dy[n, o, oh, ow] · xcol[p, col] over the n·H'·W' output
// pixels p = (n, oh, ow), where col = (c, u, v) reads x[n, c, oh+u−pad, ow+v−pad] and the extra
// column col = cols is all ones, giving dbias in the same pass. Tiles of 8 channels × 16 columns,
// or 6 × 28 for six-channel maps (conv1's 25 weights and bias in one tile); unpadded convolutions
// skip the padding checks (every column is in range). Each sum is split into chunks of
// consecutive pixels. Pass 1 (conv_weight_partials) sums one tile over one chunk per invocation;
// pass 2 (conv_weight_reduce) adds the chunk sums of one output in chunk order (with a single
// chunk, pass 1 stores the sums itself). This two-level tree has a fixed order, so results are
// bit-identical run after run, and its rounding error grows with chunk length + chunk count
// rather than with n·H'·W'. It needs no workgroup memory: a workgroup tree reduction with
// barriers measured 2–3× slower here on SwiftShader.

//#include "lib/grid.wgsl"

struct Corr {
  out_channels: u32,
  in_channels: u32,
  in_h: u32,
  in_w: u32,
  out_h: u32,
  out_w: u32,
  k: u32,
  // Negative for backwardInput when p > k − 1: the output then starts inside the input.
  pad: i32,
  batch: u32,
  sample_tiles: u32,
  channel_tiles: u32,
  tiles: u32,
  w_base: i32,
  w_out: i32,
  w_in: i32,
  w_row: i32,
  w_col: i32,
}

struct WGrad {
  out_channels: u32,
  in_channels: u32,
  in_h: u32,
  in_w: u32,
  out_h: u32,
  out_w: u32,
  k: u32,
  pad: i32,
  // batch · out_h · out_w: the length of every sum
  pixels: u32,
  // in_channels · k · k weight columns; column `cols` is the bias
  cols: u32,
  col_tiles: u32,
  tiles: u32,
  // Each tile's sum is split into `chunks` runs of `chunk_len` consecutive pixels.
  chunks: u32,
  chunk_len: u32,
  // Output channels per tile and column quads per tile: 8 × 4 (WIDE), or 6 × 7 for six-channel
  // maps (SIX).
  tile_channels: u32,
  tile_quads: u32,
}

const WG: u32 = 64u;
// Correlation tiles are large, so their dispatches are small: smaller workgroups spread them over
// both of SwiftShader's threads (conv3: 60 tiles at batch 64); 16 measured no faster than 32.
const CORR_WG: u32 = 32u;
// Weight-gradient partials: few invocations (conv1: 196 at batch 64); workgroups of 16 balance
// them over the threads.
const PARTIALS_WG: u32 = 16u;
const LANE4 = vec4<u32>(0u, 1u, 2u, 3u);

// Tile shapes are pipeline constants set by src/ops/conv2d.ts, whose tables define them; each
// shape's registers are written out below (tap_wide, tap_six, tap_narrow; weight_tap_wide,
// weight_tap_six), so a new shape needs its own.
// Correlation tiles: output channels (8, 6 or 1) × samples (16) per invocation.
override TILE_CHANNELS: u32;
override TILE_SAMPLES: u32;
// Weight-gradient tiles: 8 output channels × 16 columns, or 6 × 28 (wgrad.tile_channels and
// wgrad.tile_quads hold the same shape for the loops); PADDED adds the padding checks.
override WEIGHT_CHANNELS: u32;
override PADDED: bool;
// vec4 slots per tile and chunk in `partials`: room for the largest weight tile.
override PARTIAL_SLOTS: u32;

@group(0) @binding(0) var<uniform> corr: Corr;
@group(0) @binding(1) var<storage, read> conv_in: array<f32>;
@group(0) @binding(2) var<storage, read> conv_weight: array<f32>;
@group(0) @binding(3) var<storage, read> conv_bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> conv_out: array<f32>;

@group(0) @binding(5) var<uniform> wgrad: WGrad;
@group(0) @binding(6) var<storage, read> x: array<f32>;
@group(0) @binding(7) var<storage, read> dy: array<f32>;
@group(0) @binding(8) var<storage, read_write> dweight: array<f32>;
@group(0) @binding(9) var<storage, read_write> dbias: array<f32>;
// Per tile and chunk, PARTIAL_SLOTS vec4: [Q·m + q] holds channel o0 + m, columns c0 + 4q .. c0 + 4q + 3
// (Q = tile_quads).
@group(0) @binding(10) var<storage, read_write> partials: array<vec4<f32>>;

// Four consecutive indices from `first`, repeating the last valid one past `count`: channels and
// samples past the end of a tile keep their loads in range, and their results are not stored.
fn clamped4(first: u32, count: u32) -> vec4<u32> {
  return min(vec4<u32>(first) + LANE4, vec4<u32>(count - 1u));
}

fn gather_in(i: vec4<i32>) -> vec4<f32> {
  let u = vec4<u32>(i);
  return vec4<f32>(conv_in[u.x], conv_in[u.y], conv_in[u.z], conv_in[u.w]);
}

fn gather_weight(i: vec4<i32>) -> vec4<f32> {
  let u = vec4<u32>(i);
  return vec4<f32>(conv_weight[u.x], conv_weight[u.y], conv_weight[u.z], conv_weight[u.w]);
}

// ---- correlation (forward, backwardInput) ----

// A correlation tile: channels from o0 and samples from n0, at output position (oh, ow).
struct Tile {
  o0: u32,
  n0: u32,
  oh: i32,
  ow: i32,
}

// Sample tiles vary fastest between invocations, then channel tiles, then positions: SwiftShader
// runs neighbouring invocations in lock-step, and at one position their tap walks have the same
// length, where neighbouring positions near the border would leave some of them idle.
fn tile_at(wid: vec3<u32>, nwg: vec3<u32>, lid: u32, channels: u32, samples: u32) -> Tile {
  let t = grid_index(wid, nwg, lid, CORR_WG);
  let rest = t / corr.sample_tiles;
  let pos = rest / corr.channel_tiles;
  return Tile((rest % corr.channel_tiles) * channels, (t % corr.sample_tiles) * samples,
              i32(pos / corr.out_w), i32(pos % corr.out_w));
}

fn live(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> bool {
  return grid_index(wid, nwg, lid, CORR_WG) < corr.tiles;
}

// The in-range taps of a tile, walked as one flat loop over (c, u, v): nested loops cost more
// than the loop body on SwiftShader when the tap ranges are short (one tap for dx of a 1×1 map).
// Only taps (u, v) whose input row oh + u − pad and column ow + v − pad lie inside the input are
// visited; the walk steps the input and weight offsets (without their sample and output-channel
// parts) from tap to tap.
struct Walk {
  count: i32,
  nu: i32,
  nv: i32,
  x_start: i32,
  w_start: i32,
  x_next_row: i32,
  x_next_c: i32,
  w_next_row: i32,
  w_next_c: i32,
}

fn walk(tile: Tile) -> Walk {
  let k = i32(corr.k);
  let in_w = i32(corr.in_w);
  let u_lo = max(0, corr.pad - tile.oh);
  let v_lo = max(0, corr.pad - tile.ow);
  let nu = max(0, min(k, i32(corr.in_h) + corr.pad - tile.oh) - u_lo);
  let nv = max(0, min(k, in_w + corr.pad - tile.ow) - v_lo);
  return Walk(i32(corr.in_channels) * nu * nv, nu, nv,
              (tile.oh + u_lo - corr.pad) * in_w + tile.ow + v_lo - corr.pad,
              u_lo * corr.w_row + v_lo * corr.w_col,
              in_w - nv, i32(corr.in_h * corr.in_w) - nu * in_w,
              corr.w_row - nv * corr.w_col, corr.w_in - nu * corr.w_row);
}

// Step the offsets to the next tap; (u, v) count the taps walked in the current row and channel.
fn advance(r: Walk, xo: ptr<function, i32>, wo: ptr<function, i32>, u: ptr<function, i32>, v: ptr<function, i32>) {
  *v += 1;
  *xo += 1;
  *wo += corr.w_col;
  if (*v == r.nv) {
    *v = 0;
    *u += 1;
    *xo += r.x_next_row;
    *wo += r.w_next_row;
    if (*u == r.nu) {
      *u = 0;
      *xo += r.x_next_c;
      *wo += r.w_next_c;
    }
  }
}

// Offset of sample n's first input plane, for four samples from n0.
fn sample_offsets(n0: u32) -> vec4<i32> {
  return vec4<i32>(clamped4(n0, corr.batch) * (corr.in_channels * corr.in_h * corr.in_w));
}

// Where a tile's loads start: its 16 samples' input planes (four quads) and its channels' weights.
struct Bases {
  x0: vec4<i32>,
  x1: vec4<i32>,
  x2: vec4<i32>,
  x3: vec4<i32>,
  w_lo: vec4<i32>,
  w_hi: vec4<i32>,
}

fn bases(tile: Tile) -> Bases {
  return Bases(sample_offsets(tile.n0), sample_offsets(tile.n0 + 4u), sample_offsets(tile.n0 + 8u),
               sample_offsets(tile.n0 + 12u),
               vec4<i32>(clamped4(tile.o0, corr.out_channels)) * corr.w_out + corr.w_base,
               vec4<i32>(clamped4(tile.o0 + 4u, corr.out_channels)) * corr.w_out + corr.w_base);
}

// One tap of each tile shape: acc[4m + q] += w(channel m) · x(samples 4q .. 4q + 3), with x at
// input offset xo and the weights at kernel offset wo. Every load is a per-lane gather on
// SwiftShader, so the shapes are as large as its registers allow: 8 channels × 16 samples loads
// 24 values for 128 multiply-adds.
fn tap_wide(acc: ptr<function, array<vec4<f32>, 32>>, b: Bases, xo: i32, wo: i32) {
  let x0 = gather_in(b.x0 + xo);
  let x1 = gather_in(b.x1 + xo);
  let x2 = gather_in(b.x2 + xo);
  let x3 = gather_in(b.x3 + xo);
  let wl = gather_weight(b.w_lo + wo);
  let wh = gather_weight(b.w_hi + wo);
  (*acc)[0] += wl.x * x0; (*acc)[1] += wl.x * x1; (*acc)[2] += wl.x * x2; (*acc)[3] += wl.x * x3;
  (*acc)[4] += wl.y * x0; (*acc)[5] += wl.y * x1; (*acc)[6] += wl.y * x2; (*acc)[7] += wl.y * x3;
  (*acc)[8] += wl.z * x0; (*acc)[9] += wl.z * x1; (*acc)[10] += wl.z * x2; (*acc)[11] += wl.z * x3;
  (*acc)[12] += wl.w * x0; (*acc)[13] += wl.w * x1; (*acc)[14] += wl.w * x2; (*acc)[15] += wl.w * x3;
  (*acc)[16] += wh.x * x0; (*acc)[17] += wh.x * x1; (*acc)[18] += wh.x * x2; (*acc)[19] += wh.x * x3;
  (*acc)[20] += wh.y * x0; (*acc)[21] += wh.y * x1; (*acc)[22] += wh.y * x2; (*acc)[23] += wh.y * x3;
  (*acc)[24] += wh.z * x0; (*acc)[25] += wh.z * x1; (*acc)[26] += wh.z * x2; (*acc)[27] += wh.z * x3;
  (*acc)[28] += wh.w * x0; (*acc)[29] += wh.w * x1; (*acc)[30] += wh.w * x2; (*acc)[31] += wh.w * x3;
}

// 6 channels × 16 samples: LeNet's six-channel maps (conv1's output, conv2's input gradient)
// would leave a quarter of a wide tile idle.
fn tap_six(acc: ptr<function, array<vec4<f32>, 32>>, b: Bases, xo: i32, wo: i32) {
  let x0 = gather_in(b.x0 + xo);
  let x1 = gather_in(b.x1 + xo);
  let x2 = gather_in(b.x2 + xo);
  let x3 = gather_in(b.x3 + xo);
  let wl = gather_weight(b.w_lo + wo);
  let u = vec2<u32>(b.w_hi.xy + wo);
  let wh = vec2<f32>(conv_weight[u.x], conv_weight[u.y]);
  (*acc)[0] += wl.x * x0; (*acc)[1] += wl.x * x1; (*acc)[2] += wl.x * x2; (*acc)[3] += wl.x * x3;
  (*acc)[4] += wl.y * x0; (*acc)[5] += wl.y * x1; (*acc)[6] += wl.y * x2; (*acc)[7] += wl.y * x3;
  (*acc)[8] += wl.z * x0; (*acc)[9] += wl.z * x1; (*acc)[10] += wl.z * x2; (*acc)[11] += wl.z * x3;
  (*acc)[12] += wl.w * x0; (*acc)[13] += wl.w * x1; (*acc)[14] += wl.w * x2; (*acc)[15] += wl.w * x3;
  (*acc)[16] += wh.x * x0; (*acc)[17] += wh.x * x1; (*acc)[18] += wh.x * x2; (*acc)[19] += wh.x * x3;
  (*acc)[20] += wh.y * x0; (*acc)[21] += wh.y * x1; (*acc)[22] += wh.y * x2; (*acc)[23] += wh.y * x3;
}

// 1 channel × 16 samples, for maps of one or two channels (dx of a one-channel input).
fn tap_narrow(acc: ptr<function, array<vec4<f32>, 32>>, b: Bases, xo: i32, wo: i32) {
  let w = conv_weight[u32(b.w_lo.x + wo)];
  (*acc)[0] += w * gather_in(b.x0 + xo);
  (*acc)[1] += w * gather_in(b.x1 + xo);
  (*acc)[2] += w * gather_in(b.x2 + xo);
  (*acc)[3] += w * gather_in(b.x3 + xo);
}

const WIDE = 0u;
const SIX = 1u;
const NARROW = 2u;

// The register layout of a correlation tile of TILE_CHANNELS channels.
fn tile_shape() -> u32 {
  return select(select(NARROW, SIX, TILE_CHANNELS == 6u), WIDE, TILE_CHANNELS == 8u);
}

fn tap(shape: u32, acc: ptr<function, array<vec4<f32>, 32>>, b: Bases, xo: i32, wo: i32) {
  switch (shape) {
    case WIDE: { tap_wide(acc, b, xo, wo); }
    case SIX: { tap_six(acc, b, xo, wo); }
    default: { tap_narrow(acc, b, xo, wo); }
  }
}

// The tile's sums over its in-range taps. (Two taps per iteration measured slower: the 32
// accumulators already spill.)
fn correlate(shape: u32, tile: Tile) -> array<vec4<f32>, 32> {
  let b = bases(tile);
  var acc: array<vec4<f32>, 32>;
  let r = walk(tile);
  var xo = r.x_start;
  var wo = r.w_start;
  var u = 0;
  var v = 0;
  for (var i = 0; i < r.count; i++) {
    tap(shape, &acc, b, xo, wo);
    advance(r, &xo, &wo, &u, &v);
  }
  return acc;
}

// Store channel o0 + m of samples n0 + j0 .. n0 + j0 + 3, skipping those past the end.
fn store4(tile: Tile, m: u32, j0: u32, value: vec4<f32>) {
  let o = tile.o0 + m;
  let n = tile.n0 + j0;
  if (o >= corr.out_channels || n >= corr.batch) {
    return;
  }
  let plane = corr.out_h * corr.out_w;
  let sample_stride = corr.out_channels * plane;
  let i = (n * corr.out_channels + o) * plane + u32(tile.oh) * corr.out_w + u32(tile.ow);
  let count = min(corr.batch - n, 4u);
  conv_out[i] = value.x;
  if (count > 1u) { conv_out[i + sample_stride] = value.y; }
  if (count > 2u) { conv_out[i + 2u * sample_stride] = value.z; }
  if (count > 3u) { conv_out[i + 3u * sample_stride] = value.w; }
}

// Store a tile's first `channels` channels, each plus its bias.
fn store_tile(tile: Tile, channels: u32, acc: array<vec4<f32>, 32>, bias: array<f32, 8>) {
  for (var m = 0u; m < channels; m++) {
    store4(tile, m, 0u, acc[4u * m] + bias[m]);
    store4(tile, m, 4u, acc[4u * m + 1u] + bias[m]);
    store4(tile, m, 8u, acc[4u * m + 2u] + bias[m]);
    store4(tile, m, 12u, acc[4u * m + 3u] + bias[m]);
  }
}

// The biases of a tile's (up to 8) channels.
fn tile_bias(tile: Tile) -> array<f32, 8> {
  let lo = clamped4(tile.o0, corr.out_channels);
  let hi = clamped4(tile.o0 + 4u, corr.out_channels);
  return array<f32, 8>(conv_bias[lo.x], conv_bias[lo.y], conv_bias[lo.z], conv_bias[lo.w],
                       conv_bias[hi.x], conv_bias[hi.y], conv_bias[hi.z], conv_bias[hi.w]);
}

@compute @workgroup_size(CORR_WG)
fn conv_forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
  if (!live(wid, nwg, lid)) {
    return;
  }
  let tile = tile_at(wid, nwg, lid, TILE_CHANNELS, TILE_SAMPLES);
  store_tile(tile, TILE_CHANNELS, correlate(tile_shape(), tile), tile_bias(tile));
}

@compute @workgroup_size(CORR_WG)
fn conv_backward_input(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                       @builtin(local_invocation_index) lid: u32) {
  if (!live(wid, nwg, lid)) {
    return;
  }
  let tile = tile_at(wid, nwg, lid, TILE_CHANNELS, TILE_SAMPLES);
  store_tile(tile, TILE_CHANNELS, correlate(tile_shape(), tile), array<f32, 8>());
}

// ---- weight and bias gradient ----

// Four columns from c0 (past the bias column they repeat it): each one's input offset from
// x[n, 0, oh, ow] (c·H·W + (u − pad)·W + v − pad) and its kernel offsets (u − pad, v − pad) for
// the padding checks; the bias column reads no input.
struct Columns {
  offset: vec4<i32>,
  dh: vec4<i32>,
  dw: vec4<i32>,
  is_bias: vec4<bool>,
}

fn columns(c0: u32) -> Columns {
  let col = min(vec4<u32>(c0) + LANE4, vec4<u32>(wgrad.cols));
  let is_bias = col == vec4<u32>(wgrad.cols);
  let kk = wgrad.k * wgrad.k;
  let rem = col % kk;
  let plane = vec4<i32>(select(col / kk, vec4<u32>(), is_bias) * (wgrad.in_h * wgrad.in_w));
  let dh = select(vec4<i32>(rem / wgrad.k) - wgrad.pad, vec4<i32>(), is_bias);
  let dw = select(vec4<i32>(rem % wgrad.k) - wgrad.pad, vec4<i32>(), is_bias);
  return Columns(plane + dh * i32(wgrad.in_w) + dw, dh, dw, is_bias);
}

// The four columns' values at output pixel (oh, ow), whose x[n, 0, oh, ow] is at x_p: 1 for the
// bias column, and with padding 0 where x[n, c, oh + u − pad, ow + v − pad] falls in it. Without
// padding every column is in range at every output pixel, and the checks are left out.
fn column_values(padded: bool, cols: Columns, x_p: i32, oh: u32, ow: u32) -> vec4<f32> {
  let i = vec4<u32>(x_p + cols.offset);
  if (!padded) {
    return select(vec4<f32>(x[i.x], x[i.y], x[i.z], x[i.w]), vec4<f32>(1.0), cols.is_bias);
  }
  // Negative rows and columns wrap to large u32 values, so one compare checks both ends.
  let ok = (vec4<u32>(i32(oh) + cols.dh) < vec4<u32>(wgrad.in_h)) & (vec4<u32>(i32(ow) + cols.dw) < vec4<u32>(wgrad.in_w));
  let j = select(vec4<u32>(), i, ok);
  let values = select(vec4<f32>(), vec4<f32>(x[j.x], x[j.y], x[j.z], x[j.w]), ok);
  return select(values, vec4<f32>(1.0), cols.is_bias);
}

// A weight-gradient tile's loads: the dy offsets of its (up to 8) output channels and its
// columns as quads (4 for WIDE tiles, 7 for SIX).
struct WBases {
  dy_lo: vec4<u32>,
  dy_hi: vec4<u32>,
  c0: Columns,
  c1: Columns,
  c2: Columns,
  c3: Columns,
  c4: Columns,
  c5: Columns,
  c6: Columns,
}

// Accumulators of a weight-gradient tile: [4m + q] (WIDE) or [7m + q] (SIX) for channel m and
// column quad q.
alias WAcc = array<vec4<f32>, 42>;

// One output pixel of a WIDE weight-gradient tile (8 channels × 16 columns):
// acc[4m + q] += dy(channel m) · xcol(columns of quad q).
fn weight_tap_wide(padded: bool, acc: ptr<function, WAcc>, b: WBases, dy_p: u32, x_p: i32, oh: u32, ow: u32) {
  let x0 = column_values(padded, b.c0, x_p, oh, ow);
  let x1 = column_values(padded, b.c1, x_p, oh, ow);
  let x2 = column_values(padded, b.c2, x_p, oh, ow);
  let x3 = column_values(padded, b.c3, x_p, oh, ow);
  let il = b.dy_lo + dy_p;
  let ih = b.dy_hi + dy_p;
  let gl = vec4<f32>(dy[il.x], dy[il.y], dy[il.z], dy[il.w]);
  let gh = vec4<f32>(dy[ih.x], dy[ih.y], dy[ih.z], dy[ih.w]);
  (*acc)[0] += gl.x * x0; (*acc)[1] += gl.x * x1; (*acc)[2] += gl.x * x2; (*acc)[3] += gl.x * x3;
  (*acc)[4] += gl.y * x0; (*acc)[5] += gl.y * x1; (*acc)[6] += gl.y * x2; (*acc)[7] += gl.y * x3;
  (*acc)[8] += gl.z * x0; (*acc)[9] += gl.z * x1; (*acc)[10] += gl.z * x2; (*acc)[11] += gl.z * x3;
  (*acc)[12] += gl.w * x0; (*acc)[13] += gl.w * x1; (*acc)[14] += gl.w * x2; (*acc)[15] += gl.w * x3;
  (*acc)[16] += gh.x * x0; (*acc)[17] += gh.x * x1; (*acc)[18] += gh.x * x2; (*acc)[19] += gh.x * x3;
  (*acc)[20] += gh.y * x0; (*acc)[21] += gh.y * x1; (*acc)[22] += gh.y * x2; (*acc)[23] += gh.y * x3;
  (*acc)[24] += gh.z * x0; (*acc)[25] += gh.z * x1; (*acc)[26] += gh.z * x2; (*acc)[27] += gh.z * x3;
  (*acc)[28] += gh.w * x0; (*acc)[29] += gh.w * x1; (*acc)[30] += gh.w * x2; (*acc)[31] += gh.w * x3;
}

// One output pixel of a SIX weight-gradient tile (6 channels × 28 columns, all of conv1's 25
// weights and its bias in one tile): acc[7m + q] += dy(channel m) · xcol(columns of quad q).
fn weight_tap_six(padded: bool, acc: ptr<function, WAcc>, b: WBases, dy_p: u32, x_p: i32, oh: u32, ow: u32) {
  let x0 = column_values(padded, b.c0, x_p, oh, ow);
  let x1 = column_values(padded, b.c1, x_p, oh, ow);
  let x2 = column_values(padded, b.c2, x_p, oh, ow);
  let x3 = column_values(padded, b.c3, x_p, oh, ow);
  let x4 = column_values(padded, b.c4, x_p, oh, ow);
  let x5 = column_values(padded, b.c5, x_p, oh, ow);
  let x6 = column_values(padded, b.c6, x_p, oh, ow);
  let il = b.dy_lo + dy_p;
  let ih = b.dy_hi + dy_p;
  let gl = vec4<f32>(dy[il.x], dy[il.y], dy[il.z], dy[il.w]);
  let gh = vec2<f32>(dy[ih.x], dy[ih.y]);
  (*acc)[0] += gl.x * x0; (*acc)[1] += gl.x * x1; (*acc)[2] += gl.x * x2; (*acc)[3] += gl.x * x3;
    (*acc)[4] += gl.x * x4; (*acc)[5] += gl.x * x5; (*acc)[6] += gl.x * x6;
  (*acc)[7] += gl.y * x0; (*acc)[8] += gl.y * x1; (*acc)[9] += gl.y * x2; (*acc)[10] += gl.y * x3;
    (*acc)[11] += gl.y * x4; (*acc)[12] += gl.y * x5; (*acc)[13] += gl.y * x6;
  (*acc)[14] += gl.z * x0; (*acc)[15] += gl.z * x1; (*acc)[16] += gl.z * x2; (*acc)[17] += gl.z * x3;
    (*acc)[18] += gl.z * x4; (*acc)[19] += gl.z * x5; (*acc)[20] += gl.z * x6;
  (*acc)[21] += gl.w * x0; (*acc)[22] += gl.w * x1; (*acc)[23] += gl.w * x2; (*acc)[24] += gl.w * x3;
    (*acc)[25] += gl.w * x4; (*acc)[26] += gl.w * x5; (*acc)[27] += gl.w * x6;
  (*acc)[28] += gh.x * x0; (*acc)[29] += gh.x * x1; (*acc)[30] += gh.x * x2; (*acc)[31] += gh.x * x3;
    (*acc)[32] += gh.x * x4; (*acc)[33] += gh.x * x5; (*acc)[34] += gh.x * x6;
  (*acc)[35] += gh.y * x0; (*acc)[36] += gh.y * x1; (*acc)[37] += gh.y * x2; (*acc)[38] += gh.y * x3;
    (*acc)[39] += gh.y * x4; (*acc)[40] += gh.y * x5; (*acc)[41] += gh.y * x6;
}

// Pass 1: the sums of one tile (wgrad.tile_channels × 4·wgrad.tile_quads columns) over one chunk
// of pixels.
fn weight_partials(shape: u32, padded: bool, wid: vec3<u32>, nwg: vec3<u32>, lid: u32) {
  // Chunks vary fastest: neighbouring invocations, run in lock-step, share the tile's columns
  // and loop length.
  let t = grid_index(wid, nwg, lid, PARTIALS_WG);
  if (t >= wgrad.tiles * wgrad.chunks) {
    return;
  }
  let tile = t / wgrad.chunks;
  let chunk = t % wgrad.chunks;
  let o0 = (tile / wgrad.col_tiles) * wgrad.tile_channels;
  let c0 = (tile % wgrad.col_tiles) * 4u * wgrad.tile_quads;

  let out_plane = wgrad.out_h * wgrad.out_w;
  let b = WBases(clamped4(o0, wgrad.out_channels) * out_plane, clamped4(o0 + 4u, wgrad.out_channels) * out_plane,
                 columns(c0), columns(c0 + 4u), columns(c0 + 8u), columns(c0 + 12u),
                 columns(c0 + 16u), columns(c0 + 20u), columns(c0 + 24u));

  // (n, oh, ow) of the chunk's first pixel, then stepped one pixel at a time without dividing.
  let first = chunk * wgrad.chunk_len;
  var n = first / out_plane;
  var oh = (first % out_plane) / wgrad.out_w;
  var ow = first % wgrad.out_w;

  var acc: WAcc;
  let count = min(wgrad.chunk_len, wgrad.pixels - first);
  for (var i = 0u; i < count; i++) {
    let dy_p = n * wgrad.out_channels * out_plane + oh * wgrad.out_w + ow;
    let x_p = i32(n * wgrad.in_channels * wgrad.in_h * wgrad.in_w + oh * wgrad.in_w + ow);
    if (shape == WIDE) {
      weight_tap_wide(padded, &acc, b, dy_p, x_p, oh, ow);
    } else {
      weight_tap_six(padded, &acc, b, dy_p, x_p, oh, ow);
    }

    ow++;
    let wrap_w = ow == wgrad.out_w;
    ow = select(ow, 0u, wrap_w);
    oh += select(0u, 1u, wrap_w);
    let wrap_h = oh == wgrad.out_h;
    oh = select(oh, 0u, wrap_h);
    n += select(0u, 1u, wrap_h);
  }

  let slots = wgrad.tile_quads * wgrad.tile_channels;
  if (wgrad.chunks > 1u) {
    let base = t * PARTIAL_SLOTS;
    for (var s = 0u; s < slots; s++) {
      partials[base + s] = acc[s];
    }
    return;
  }
  // A single chunk (conv3: one output pixel per sample) is the whole sum: store it, and skip the
  // reduce pass.
  for (var m = 0u; m < wgrad.tile_channels; m++) {
    let o = o0 + m;
    if (o >= wgrad.out_channels) {
      break;
    }
    for (var c = 0u; c < 4u * wgrad.tile_quads; c++) {
      let col = c0 + c;
      let sum = acc[wgrad.tile_quads * m + c / 4u][c % 4u];
      if (col < wgrad.cols) {
        dweight[o * wgrad.cols + col] = sum;
      } else if (col == wgrad.cols) {
        dbias[o] = sum;
      }
    }
  }
}

@compute @workgroup_size(PARTIALS_WG)
fn conv_weight_partials(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                        @builtin(local_invocation_index) lid: u32) {
  weight_partials(select(WIDE, SIX, WEIGHT_CHANNELS == 6u), PADDED, wid, nwg, lid);
}

// Pass 2: one output element (o, col) per invocation, its chunks added in chunk order; col = cols
// is dbias[o].
@compute @workgroup_size(WG)
fn conv_weight_reduce(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                      @builtin(local_invocation_index) lid: u32) {
  let e = grid_index(wid, nwg, lid, WG);
  let row = wgrad.cols + 1u;
  if (e >= wgrad.out_channels * row) {
    return;
  }
  let o = e / row;
  let col = e % row;
  let tile_cols = 4u * wgrad.tile_quads;
  let tile = (o / wgrad.tile_channels) * wgrad.col_tiles + col / tile_cols;
  let slot = wgrad.tile_quads * (o % wgrad.tile_channels) + (col % tile_cols) / 4u;
  let lane = col % 4u;
  var sum = 0.0;
  for (var chunk = 0u; chunk < wgrad.chunks; chunk++) {
    sum += partials[(tile * wgrad.chunks + chunk) * PARTIAL_SLOTS + slot][lane];
  }
  if (col < wgrad.cols) {
    dweight[o * wgrad.cols + col] = sum;
  } else {
    dbias[o] = sum;
  }
}
