// 2-D convolution, stride 1, zero padding, NCHW, as implicit GEMM (no im2col buffer). A
// convolution whose window covers its whole unpadded input (LeNet's conv3) is a plain matrix
// product instead, and runs on linear.wgsl's kernels (src/ops/conv2d.ts).
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
// With k = 5, three or more output channels and rows wide enough (conv1, conv2), the forward pass
// uses row tiles instead: 8 (or 6) channels × 4 samples × 10 adjacent output columns, a kernel
// row per loop step. The ten columns share one load of each input value, and each accumulator is
// loaded and stored once per kernel row instead of once per tap (SwiftShader keeps them in
// memory): 96 loads per 1,600 multiply-adds, where the tap walk has 24 per 128. (SwiftShader's
// JIT turns each load with a computed index into four scalar loads behind per-lane mask branches,
// ~10 instructions each, so loads per multiply-add set the speed.) Kernel rows outside the input
// are skipped; padding columns read 0. backwardInput, whose padding k − 1 − p would make such
// tiles multiply many zeros (conv2's dx measured 10.6 → 12.8 ms with 5-column ones), takes
// transposed row tiles when dy's rows are 8..10 columns wide (conv2): a whole dx row per tile,
// each dy value multiplied only into the dx columns it reaches (see transposed_correlate).
//
// backwardWeight: dweight[o, c, u, v] = Σ_p dy[n, o, oh, ow] · x[n, c, oh+u−pad, ow+v−pad] over the
// n·H'·W' output pixels p = (n, oh, ow), and dbias[o] = Σ_p dy[n, o, oh, ow] in the same pass. A
// tile is 8 output channels × a 5 × 5 block of one input channel's kernel. Along an output row
// each kernel row keeps a sliding window of its five input values, so a pixel loads one input
// value per kernel row (plus 8 dy) for its 200 multiply-adds; two pixels per loop body in
// straight-line code let SwiftShader load and store each accumulator once for both (its
// accumulators live in memory). Each sum is split into chunks of whole output rows. Pass 1
// (conv_weight_partials) sums one tile over one chunk per invocation; pass 2
// (conv_weight_reduce) adds the chunk sums of one output in chunk order (with a single chunk,
// pass 1 stores the sums itself). This two-level tree has a fixed order, so results are
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
  // Row tiles: blocks of ROW_COLUMNS output columns per output row.
  column_blocks: u32,
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
  // batch · out_h: the output rows (n, oh) every sum runs over
  rows: u32,
  // Kernel rows (and columns) are tiled in blocks of TAPS: ceil(k / TAPS).
  blocks: u32,
  tiles: u32,
  // Each tile's sum is split into `chunks` runs of `chunk_rows` consecutive output rows.
  chunks: u32,
  chunk_rows: u32,
  // Output channels per tile (two quads).
  tile_channels: u32,
}

const WG: u32 = 64u;
// Correlation tiles are large, so their dispatches are small: small workgroups spread them over
// both of SwiftShader's threads (conv2's dx: 224 row tiles at batch 64, 7 workgroups of 32).
const CORR_WG: u32 = 16u;
// Weight-gradient partials: few invocations (conv1: 196 at batch 64); workgroups of 16 balance
// them over the threads.
const PARTIALS_WG: u32 = 16u;
const LANE4 = vec4<u32>(0u, 1u, 2u, 3u);

// Correlation tile shapes are pipeline constants set by src/ops/conv2d.ts, whose table defines
// them; each shape's registers are written out below (tap_wide, tap_six, tap_narrow), so a new
// shape needs its own.
// Correlation tiles: output channels (8, 6 or 1) × samples (16) per invocation.
override TILE_CHANNELS: u32;
override TILE_SAMPLES: u32;
// Weight-gradient tiles: 8 (or 6) output channels × a TAPS × TAPS block of one input channel's
// kernel. With WEIGHT_SIX (set by src/ops/conv2d.ts for conv1's 6 channels) the second channel quad holds
// two channels and only its first two lanes are computed: a quarter fewer operations than a
// part-empty 8-channel tile.
override WEIGHT_SIX: bool = false;
const TAPS = 5u;
// vec4 slots per tile and chunk in `partials`: 10 per kernel row (KernelRow), then the bias sums.
const BIAS_SLOT = 50u;
const PARTIAL_SLOTS = 52u;
// Whether a tile's taps can fall outside the input: with no padding (and, for the weight
// gradient, k a multiple of TAPS) every tap is in range, and the checks are left out.
override MASKED: bool;
// Whether conv_forward uses row tiles (k = 5, set by src/ops/conv2d.ts): TILE_CHANNELS (8 or 6)
// channels × 4 samples × ROW_COLUMNS adjacent output columns of one output row.
override ROW_TILES: bool = false;
const ROW_COLUMNS = 10u;

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
// Per tile and chunk, PARTIAL_SLOTS vec4: [10r + 2v + q] holds kernel row u0 + r, column v0 + v of
// channels o0 + 4q .. o0 + 4q + 3; [BIAS_SLOT + q] their bias sums.
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

// The biases of a tile's (up to 8) channels from o0.
fn tile_bias(o0: u32) -> array<f32, 8> {
  let lo = clamped4(o0, corr.out_channels);
  let hi = clamped4(o0 + 4u, corr.out_channels);
  return array<f32, 8>(conv_bias[lo.x], conv_bias[lo.y], conv_bias[lo.z], conv_bias[lo.w],
                       conv_bias[hi.x], conv_bias[hi.y], conv_bias[hi.z], conv_bias[hi.w]);
}


// ---- row tiles (forward, k = 5) ----

// A row tile: channels o0 .. o0 + TILE_CHANNELS − 1, samples n0 .. n0 + 3, output row oh, columns
// ow0 .. ow0 + ROW_COLUMNS − 1.
// Sample groups vary fastest between invocations (as in tile_at), so the lanes of a SIMD group
// share the channels, the row and hence the kernel-row range.
struct RowTile {
  o0: u32,
  n0: u32,
  oh: i32,
  ow0: i32,
}

fn row_tile_at(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> RowTile {
  let t = grid_index(wid, nwg, lid, CORR_WG);
  let rest = t / corr.sample_tiles;
  let pos = rest / corr.channel_tiles;
  return RowTile((rest % corr.channel_tiles) * TILE_CHANNELS, (t % corr.sample_tiles) * 4u,
                 i32(pos / corr.column_blocks), i32((pos % corr.column_blocks) * ROW_COLUMNS));
}

// One kernel row's input for a row tile: columns ow0 − pad + j, j = 0..13, of one input row of
// the tile's four samples (the four lanes of x[j]); 0 in the padding.
alias RowInput = array<vec4<f32>, 14>;

// conv_in[i], or 0 where the column is in the padding. Without padding (MASKED false) no column
// of a stored output is out of range; the columns past the row's end that a last, partial block
// reads feed only outputs that are not stored (and WebGPU clamps reads at the buffer's end).
fn in_at(i: i32, ok: bool) -> f32 {
  let in_range = ok | !MASKED;
  return select(0.0, conv_in[u32(select(0, i, in_range))], in_range);
}

fn samples_at(i: vec4<i32>, ok: bool) -> vec4<f32> {
  return vec4<f32>(in_at(i.x, ok), in_at(i.y, ok), in_at(i.z, ok), in_at(i.w, ok));
}

// Input row offsets `rows` (one per sample) at the tile's columns iw, iw + 1, .. and their checks.
fn row_input(rows: vec4<i32>, iw: i32) -> RowInput {
  var r: RowInput;
  let w = corr.in_w;
  r[0] = samples_at(rows + iw + 0, u32(iw + 0) < w);
  r[1] = samples_at(rows + iw + 1, u32(iw + 1) < w);
  r[2] = samples_at(rows + iw + 2, u32(iw + 2) < w);
  r[3] = samples_at(rows + iw + 3, u32(iw + 3) < w);
  r[4] = samples_at(rows + iw + 4, u32(iw + 4) < w);
  r[5] = samples_at(rows + iw + 5, u32(iw + 5) < w);
  r[6] = samples_at(rows + iw + 6, u32(iw + 6) < w);
  r[7] = samples_at(rows + iw + 7, u32(iw + 7) < w);
  r[8] = samples_at(rows + iw + 8, u32(iw + 8) < w);
  r[9] = samples_at(rows + iw + 9, u32(iw + 9) < w);
  r[10] = samples_at(rows + iw + 10, u32(iw + 10) < w);
  r[11] = samples_at(rows + iw + 11, u32(iw + 11) < w);
  r[12] = samples_at(rows + iw + 12, u32(iw + 12) < w);
  r[13] = samples_at(rows + iw + 13, u32(iw + 13) < w);
  return r;
}

// One kernel row's products for one channel: column p gets Σ_v w[v]·xs[p + v] for the four
// samples. Each accumulator is loaded and stored once for its five taps (the tap walk of
// `correlate` loads and stores every accumulator once per tap).
fn row_products(acc: ptr<function, array<vec4<f32>, 10>>, w: array<f32, 5>, xs: RowInput) {
  (*acc)[0] += w[0] * xs[0] + w[1] * xs[1] + w[2] * xs[2] + w[3] * xs[3] + w[4] * xs[4];
  (*acc)[1] += w[0] * xs[1] + w[1] * xs[2] + w[2] * xs[3] + w[3] * xs[4] + w[4] * xs[5];
  (*acc)[2] += w[0] * xs[2] + w[1] * xs[3] + w[2] * xs[4] + w[3] * xs[5] + w[4] * xs[6];
  (*acc)[3] += w[0] * xs[3] + w[1] * xs[4] + w[2] * xs[5] + w[3] * xs[6] + w[4] * xs[7];
  (*acc)[4] += w[0] * xs[4] + w[1] * xs[5] + w[2] * xs[6] + w[3] * xs[7] + w[4] * xs[8];
  (*acc)[5] += w[0] * xs[5] + w[1] * xs[6] + w[2] * xs[7] + w[3] * xs[8] + w[4] * xs[9];
  (*acc)[6] += w[0] * xs[6] + w[1] * xs[7] + w[2] * xs[8] + w[3] * xs[9] + w[4] * xs[10];
  (*acc)[7] += w[0] * xs[7] + w[1] * xs[8] + w[2] * xs[9] + w[3] * xs[10] + w[4] * xs[11];
  (*acc)[8] += w[0] * xs[8] + w[1] * xs[9] + w[2] * xs[10] + w[3] * xs[11] + w[4] * xs[12];
  (*acc)[9] += w[0] * xs[9] + w[1] * xs[10] + w[2] * xs[11] + w[3] * xs[12] + w[4] * xs[13];
}

// The five taps of one kernel row of the channel whose weights start at w_channel, at kernel
// offset wo. (Per channel, not a vec4 per tap picked apart by lane: an index into a vector, even a
// constant one passed down as a parameter, compiles to a compare-and-select over every lane.)
fn channel_taps(w_channel: i32, wo: i32) -> array<f32, 5> {
  let i = w_channel + wo;
  let step = corr.w_col;
  return array<f32, 5>(conv_weight[u32(i)], conv_weight[u32(i + step)], conv_weight[u32(i + 2 * step)],
                       conv_weight[u32(i + 3 * step)], conv_weight[u32(i + 4 * step)]);
}

// Store one output value of the tile's (up to) four samples, at index i of the first.
fn store_samples(i: u32, sample_stride: u32, samples: u32, value: vec4<f32>) {
  conv_out[i] = value.x;
  if (samples > 1u) { conv_out[i + sample_stride] = value.y; }
  if (samples > 2u) { conv_out[i + 2u * sample_stride] = value.z; }
  if (samples > 3u) { conv_out[i + 3u * sample_stride] = value.w; }
}

// Where channel o0 + m of a row tile's first sample starts its output row, or none past the
// channels.
struct RowStore {
  first: u32,
  sample_stride: u32,
  samples: u32,
  ok: bool,
}

fn row_store(tile: RowTile, m: u32) -> RowStore {
  let o = tile.o0 + m;
  let plane = corr.out_h * corr.out_w;
  return RowStore((tile.n0 * corr.out_channels + o) * plane + u32(tile.oh) * corr.out_w, corr.out_channels * plane,
                  min(corr.batch - tile.n0, 4u), o < corr.out_channels);
}

// Store channel o0 + m's columns ow0 .. ow0 + 9 (those that exist) for the tile's samples.
fn store_row(tile: RowTile, m: u32, acc: array<vec4<f32>, 10>, bias: f32) {
  let at = row_store(tile, m);
  if (!at.ok) {
    return;
  }
  for (var p = 0u; p < ROW_COLUMNS; p++) {
    let ow = u32(tile.ow0) + p;
    if (ow >= corr.out_w) {
      return;
    }
    store_samples(at.first + ow, at.sample_stride, at.samples, acc[p] + bias);
  }
}

// What every row tile's loop needs: its samples' input planes, its channels' weights, and the
// kernel rows whose input row oh + u − pad is inside the input.
struct RowWalk {
  samples: vec4<i32>,
  w_lo: vec4<i32>,
  w_hi: vec4<i32>,
  u_lo: i32,
  u_hi: i32,
}

fn row_walk(tile: RowTile) -> RowWalk {
  let plane = corr.in_h * corr.in_w;
  return RowWalk(vec4<i32>(clamped4(tile.n0, corr.batch) * (corr.in_channels * plane)),
                 vec4<i32>(clamped4(tile.o0, corr.out_channels)) * corr.w_out + corr.w_base,
                 vec4<i32>(clamped4(tile.o0 + 4u, corr.out_channels)) * corr.w_out + corr.w_base,
                 max(0, corr.pad - tile.oh), min(5, i32(corr.in_h) + corr.pad - tile.oh));
}

// Offset of input row oh + u − pad of input channel c (without the sample's plane).
fn row_offset(tile: RowTile, c: i32, u: i32) -> i32 {
  return (c * i32(corr.in_h) + tile.oh + u - corr.pad) * i32(corr.in_w);
}

// The five taps of one kernel row, at kernel offset wo, for each of a row tile's channels (the
// last two only with 8 channels).
fn tile_taps(r: RowWalk, wo: i32) -> array<array<f32, 5>, 8> {
  var w: array<array<f32, 5>, 8>;
  w[0] = channel_taps(r.w_lo.x, wo); w[1] = channel_taps(r.w_lo.y, wo);
  w[2] = channel_taps(r.w_lo.z, wo); w[3] = channel_taps(r.w_lo.w, wo);
  w[4] = channel_taps(r.w_hi.x, wo); w[5] = channel_taps(r.w_hi.y, wo);
  if (TILE_CHANNELS == 8u) {
    w[6] = channel_taps(r.w_hi.z, wo); w[7] = channel_taps(r.w_hi.w, wo);
  }
  return w;
}

// A row tile's outputs: per input channel and in-range kernel row, 14 input values per sample and
// five taps per channel serve all TILE_CHANNELS × 4 × 10 outputs' five taps (96 loads per 1,600
// multiply-adds with 8 channels, 86 per 1,200 with 6).
fn row_correlate(tile: RowTile) {
  // acc[m][p]: channel o0 + m, column ow0 + p, the four samples as lanes.
  var acc: array<array<vec4<f32>, 10>, 8>;
  let r = row_walk(tile);
  let iw = tile.ow0 - corr.pad;
  for (var c = 0; c < i32(corr.in_channels); c++) {
    for (var u = r.u_lo; u < r.u_hi; u++) {
      let xs = row_input(r.samples + row_offset(tile, c, u), iw);
      let w = tile_taps(r, c * corr.w_in + u * corr.w_row);
      row_products(&acc[0], w[0], xs); row_products(&acc[1], w[1], xs); row_products(&acc[2], w[2], xs);
      row_products(&acc[3], w[3], xs); row_products(&acc[4], w[4], xs); row_products(&acc[5], w[5], xs);
      if (TILE_CHANNELS == 8u) {
        row_products(&acc[6], w[6], xs); row_products(&acc[7], w[7], xs);
      }
    }
  }
  let bias = tile_bias(tile.o0);
  store_row(tile, 0u, acc[0], bias[0]); store_row(tile, 1u, acc[1], bias[1]);
  store_row(tile, 2u, acc[2], bias[2]); store_row(tile, 3u, acc[3], bias[3]);
  store_row(tile, 4u, acc[4], bias[4]); store_row(tile, 5u, acc[5], bias[5]);
  if (TILE_CHANNELS == 8u) {
    store_row(tile, 6u, acc[6], bias[6]); store_row(tile, 7u, acc[7], bias[7]);
  }
}

// ---- transposed row tiles (backwardInput, k = 5, input rows of at most 10 columns) ----
//
// ROW_TILES in conv_backward_input: a tile is TILE_CHANNELS dx channels × 4 samples × a whole dx
// row. Its input is dy's row, all of it in one load of 10 columns, and each dy value is multiplied
// only into the dx columns it reaches: output column ow gets w(v)·in[ow + v − pad], so with
// j = ow + 4 − pad it gets w(v)·in[j − 4 + v] for the in-range t = j − 4 + v alone, and none of the
// padding's zeros are multiplied (row tiles over dx's columns would multiply 1.5× as many terms
// for conv2's dx). Needs pad ≤ 4 (forward padding ≥ 0) and in_w + pad ≤ 14, so that j is 0..13.

// One dy row of the tile's four samples: columns t = 0..9, 0 past the row's end.
alias DyRow = array<vec4<f32>, 10>;

fn dy_row(rows: vec4<i32>) -> DyRow {
  var r: DyRow;
  let w = corr.in_w;
  r[0] = samples_at(rows + 0, 0u < w);
  r[1] = samples_at(rows + 1, 1u < w);
  r[2] = samples_at(rows + 2, 2u < w);
  r[3] = samples_at(rows + 3, 3u < w);
  r[4] = samples_at(rows + 4, 4u < w);
  r[5] = samples_at(rows + 5, 5u < w);
  r[6] = samples_at(rows + 6, 6u < w);
  r[7] = samples_at(rows + 7, 7u < w);
  r[8] = samples_at(rows + 8, 8u < w);
  r[9] = samples_at(rows + 9, 9u < w);
  return r;
}

// One kernel row's products for one channel: acc[j] gets Σ_v w[v]·ys[j − 4 + v] over the dy
// columns 0..9 it reaches (50 products where a 14-column row tile multiplies 70).
fn transposed_products(acc: ptr<function, array<vec4<f32>, 14>>, w: array<f32, 5>, ys: DyRow) {
  (*acc)[0] += w[4] * ys[0];
  (*acc)[1] += w[3] * ys[0] + w[4] * ys[1];
  (*acc)[2] += w[2] * ys[0] + w[3] * ys[1] + w[4] * ys[2];
  (*acc)[3] += w[1] * ys[0] + w[2] * ys[1] + w[3] * ys[2] + w[4] * ys[3];
  (*acc)[4] += w[0] * ys[0] + w[1] * ys[1] + w[2] * ys[2] + w[3] * ys[3] + w[4] * ys[4];
  (*acc)[5] += w[0] * ys[1] + w[1] * ys[2] + w[2] * ys[3] + w[3] * ys[4] + w[4] * ys[5];
  (*acc)[6] += w[0] * ys[2] + w[1] * ys[3] + w[2] * ys[4] + w[3] * ys[5] + w[4] * ys[6];
  (*acc)[7] += w[0] * ys[3] + w[1] * ys[4] + w[2] * ys[5] + w[3] * ys[6] + w[4] * ys[7];
  (*acc)[8] += w[0] * ys[4] + w[1] * ys[5] + w[2] * ys[6] + w[3] * ys[7] + w[4] * ys[8];
  (*acc)[9] += w[0] * ys[5] + w[1] * ys[6] + w[2] * ys[7] + w[3] * ys[8] + w[4] * ys[9];
  (*acc)[10] += w[0] * ys[6] + w[1] * ys[7] + w[2] * ys[8] + w[3] * ys[9];
  (*acc)[11] += w[0] * ys[7] + w[1] * ys[8] + w[2] * ys[9];
  (*acc)[12] += w[0] * ys[8] + w[1] * ys[9];
  (*acc)[13] += w[0] * ys[9];
}

// Store channel o0 + m's row: output column ow from acc[ow + 4 − pad].
fn store_transposed_row(tile: RowTile, m: u32, acc: array<vec4<f32>, 14>) {
  let at = row_store(tile, m);
  if (!at.ok) {
    return;
  }
  let shift = u32(4 - corr.pad);
  for (var ow = 0u; ow < corr.out_w; ow++) {
    store_samples(at.first + ow, at.sample_stride, at.samples, acc[ow + shift]);
  }
}

fn transposed_correlate(tile: RowTile) {
  // acc[m][j]: channel o0 + m, output column j − 4 + pad, the four samples as lanes.
  var acc: array<array<vec4<f32>, 14>, 8>;
  let r = row_walk(tile);
  for (var c = 0; c < i32(corr.in_channels); c++) {
    for (var u = r.u_lo; u < r.u_hi; u++) {
      let ys = dy_row(r.samples + row_offset(tile, c, u));
      let w = tile_taps(r, c * corr.w_in + u * corr.w_row);
      transposed_products(&acc[0], w[0], ys); transposed_products(&acc[1], w[1], ys); transposed_products(&acc[2], w[2], ys);
      transposed_products(&acc[3], w[3], ys); transposed_products(&acc[4], w[4], ys); transposed_products(&acc[5], w[5], ys);
      if (TILE_CHANNELS == 8u) {
        transposed_products(&acc[6], w[6], ys); transposed_products(&acc[7], w[7], ys);
      }
    }
  }
  store_transposed_row(tile, 0u, acc[0]); store_transposed_row(tile, 1u, acc[1]);
  store_transposed_row(tile, 2u, acc[2]); store_transposed_row(tile, 3u, acc[3]);
  store_transposed_row(tile, 4u, acc[4]); store_transposed_row(tile, 5u, acc[5]);
  if (TILE_CHANNELS == 8u) {
    store_transposed_row(tile, 6u, acc[6]); store_transposed_row(tile, 7u, acc[7]);
  }
}

@compute @workgroup_size(CORR_WG)
fn conv_forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
  if (!live(wid, nwg, lid)) {
    return;
  }
  if (ROW_TILES) {
    row_correlate(row_tile_at(wid, nwg, lid));
    return;
  }
  let tile = tile_at(wid, nwg, lid, TILE_CHANNELS, TILE_SAMPLES);
  store_tile(tile, TILE_CHANNELS, correlate(tile_shape(), tile), tile_bias(tile.o0));
}

@compute @workgroup_size(CORR_WG)
fn conv_backward_input(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                       @builtin(local_invocation_index) lid: u32) {
  if (!live(wid, nwg, lid)) {
    return;
  }
  if (ROW_TILES) {
    transposed_correlate(row_tile_at(wid, nwg, lid));
    return;
  }
  let tile = tile_at(wid, nwg, lid, TILE_CHANNELS, TILE_SAMPLES);
  store_tile(tile, TILE_CHANNELS, correlate(tile_shape(), tile), array<f32, 8>());
}

// ---- weight and bias gradient ----

// A weight-gradient tile: output channels o0 .. o0 + tile_channels − 1 of input channel c, kernel
// rows u0 .. u0 + 4 and columns v0 .. v0 + 4 (taps past k are computed and not stored).
struct WTile {
  o0: u32,
  c: u32,
  u0: u32,
  v0: u32,
}

fn weight_tile(tile: u32) -> WTile {
  let v_block = tile % wgrad.blocks;
  let u_block = (tile / wgrad.blocks) % wgrad.blocks;
  let rest = tile / (wgrad.blocks * wgrad.blocks);
  return WTile((rest / wgrad.in_channels) * wgrad.tile_channels, rest % wgrad.in_channels,
               u_block * TAPS, v_block * TAPS);
}

// One kernel row's input values at the current output column ow: x[…, ow + v0 + v − pad] for
// v = 0..3 (head) and v = 4 (tail). Moving to the next column shifts one value in, so a pixel
// loads one input value per kernel row instead of five.
struct Window {
  head: vec4<f32>,
  tail: f32,
}

fn shift(w: Window, next: f32) -> Window {
  return Window(vec4<f32>(w.head.yzw, w.tail), next);
}

// x[i], or 0 where the tap falls in the padding. Callers combine the range checks with `&`, not
// `&&`: short-circuit operators are branches, and with a few dozen of them in one loop body
// SwiftShader's compiler took minutes and over 20 GB. (Taps past k read whatever is there: a window's
// values move to smaller v as it slides, and those taps' sums are not stored.)
fn x_at(i: i32, ok: bool) -> f32 {
  let in_range = ok | !MASKED;
  return select(0.0, x[u32(select(0, i, in_range))], in_range);
}

// One kernel row's accumulators: [2v + q] holds columns v of channel quad q (channels 4q .. 4q + 3
// of the tile, as the four lanes).
alias KernelRow = array<vec4<f32>, 10>;

// One output pixel's contribution to one kernel row: dy of the tile's channels (g_lo, g_hi) times
// the row's five input values.
fn kernel_row(acc: ptr<function, KernelRow>, g_lo: vec4<f32>, g_hi: vec4<f32>, w: Window) {
  (*acc)[0] += g_lo * w.head.x; add_hi(&(*acc)[1], g_hi * w.head.x);
  (*acc)[2] += g_lo * w.head.y; add_hi(&(*acc)[3], g_hi * w.head.y);
  (*acc)[4] += g_lo * w.head.z; add_hi(&(*acc)[5], g_hi * w.head.z);
  (*acc)[6] += g_lo * w.head.w; add_hi(&(*acc)[7], g_hi * w.head.w);
  (*acc)[8] += g_lo * w.tail; add_hi(&(*acc)[9], g_hi * w.tail);
}

// sum += v for the second channel quad: its first two lanes only with WEIGHT_SIX. (A pipeline constant,
// so the `if` is decided when the pipeline is compiled.)
fn add_hi(sum: ptr<function, vec4<f32>>, v: vec4<f32>) {
  if (WEIGHT_SIX) {
    (*sum).x += v.x;
    (*sum).y += v.y;
  } else {
    *sum += v;
  }
}

// A tile's running sums: the kernel rows' and the bias's.
struct WSums {
  acc: array<KernelRow, 5>,
  bias_lo: vec4<f32>,
  bias_hi: vec4<f32>,
}

// Where one output row (n, oh) reads: its five kernel rows' input rows (offsets xr, xr4, and
// whether each lies in the input), and its dy offset.
struct RowAt {
  xr: vec4<i32>,
  xr4: i32,
  ok: vec4<bool>,
  ok4: bool,
  dy: u32,
}

// Slide the windows to output column ow and add its products. Straight-line code (no branch):
// two calls in one loop body let each accumulator be loaded and stored once for both pixels.
fn weight_pixel(sums: ptr<function, WSums>, win: ptr<function, array<Window, 5>>, at: RowAt, v0: u32, ow: u32,
                dy_lo: vec4<u32>, dy_hi: vec4<u32>) {
  // The column each kernel row shifts in: v = 4 at this pixel.
  let next = i32(ow + v0 + 4u) - wgrad.pad;
  let next_ok = u32(next) < wgrad.in_w;
  (*win)[0] = shift((*win)[0], x_at(at.xr.x + next, at.ok.x & next_ok));
  (*win)[1] = shift((*win)[1], x_at(at.xr.y + next, at.ok.y & next_ok));
  (*win)[2] = shift((*win)[2], x_at(at.xr.z + next, at.ok.z & next_ok));
  (*win)[3] = shift((*win)[3], x_at(at.xr.w + next, at.ok.w & next_ok));
  (*win)[4] = shift((*win)[4], x_at(at.xr4 + next, at.ok4 & next_ok));
  let il = dy_lo + at.dy + ow;
  let ih = dy_hi + at.dy + ow;
  let g_lo = vec4<f32>(dy[il.x], dy[il.y], dy[il.z], dy[il.w]);
  var g_hi = vec4<f32>(dy[ih.x], dy[ih.y], 0.0, 0.0);
  if (!WEIGHT_SIX) {
    g_hi.z = dy[ih.z];
    g_hi.w = dy[ih.w];
  }
  (*sums).bias_lo += g_lo;
  add_hi(&(*sums).bias_hi, g_hi);
  kernel_row(&(*sums).acc[0], g_lo, g_hi, (*win)[0]);
  kernel_row(&(*sums).acc[1], g_lo, g_hi, (*win)[1]);
  kernel_row(&(*sums).acc[2], g_lo, g_hi, (*win)[2]);
  kernel_row(&(*sums).acc[3], g_lo, g_hi, (*win)[3]);
  kernel_row(&(*sums).acc[4], g_lo, g_hi, (*win)[4]);
}

// A kernel row's window before output column 0 (whose step shifts in v = 4): columns
// v0 − pad + (0, 1, 2) in the head's last three lanes, v0 − pad + 3 in the tail.
fn first_window(xr: i32, ok: bool, iw: vec4<i32>, col_ok: vec4<bool>) -> Window {
  return Window(vec4<f32>(0.0, x_at(xr + iw.x, ok & col_ok.x), x_at(xr + iw.y, ok & col_ok.y), x_at(xr + iw.z, ok & col_ok.z)),
                x_at(xr + iw.w, ok & col_ok.w));
}

// Where output row `row` = (n, oh) reads.
fn row_at(tile: WTile, row: u32) -> RowAt {
  let n = row / wgrad.out_h;
  let oh = row % wgrad.out_h;
  let in_w = i32(wgrad.in_w);
  // The kernel rows' input rows ih = oh + u0 + r − pad.
  let ih = vec4<i32>(vec4<u32>(oh + tile.u0) + LANE4) - wgrad.pad;
  let ih4 = i32(oh + tile.u0 + 4u) - wgrad.pad;
  let x_base = i32((n * wgrad.in_channels + tile.c) * wgrad.in_h * wgrad.in_w);
  return RowAt(vec4<i32>(x_base) + ih * in_w, x_base + ih4 * in_w, vec4<u32>(ih) < vec4<u32>(wgrad.in_h),
               u32(ih4) < wgrad.in_h, (n * wgrad.out_channels * wgrad.out_h + oh) * wgrad.out_w);
}

// An output row's windows set up before its column 0.
fn first_windows(at: RowAt, iw: vec4<i32>, col_ok: vec4<bool>) -> array<Window, 5> {
  return array<Window, 5>(first_window(at.xr.x, at.ok.x, iw, col_ok), first_window(at.xr.y, at.ok.y, iw, col_ok),
                          first_window(at.xr.z, at.ok.z, iw, col_ok), first_window(at.xr.w, at.ok.w, iw, col_ok),
                          first_window(at.xr4, at.ok4, iw, col_ok));
}

// One invocation's share of pass 1: a tile, and the chunk of output rows first .. last − 1.
struct WJob {
  t: u32,
  tile: WTile,
  first: u32,
  last: u32,
  // dy offsets of the tile's channels (clamped, as for the correlation tiles).
  dy_lo: vec4<u32>,
  dy_hi: vec4<u32>,
  // The input columns of kernel columns v0 .. v0 + 3 at output column 0, and which are in range.
  iw: vec4<i32>,
  col_ok: vec4<bool>,
}

// Chunks vary fastest between invocations: neighbouring invocations, run in lock-step, share the
// tile and (chunks being whole rows) the column walk.
fn weight_job(t: u32) -> WJob {
  let tile = weight_tile(t / wgrad.chunks);
  let first = (t % wgrad.chunks) * wgrad.chunk_rows;
  let out_plane = wgrad.out_h * wgrad.out_w;
  let iw = vec4<i32>(vec4<u32>(tile.v0) + LANE4) - wgrad.pad;
  return WJob(t, tile, first, min(first + wgrad.chunk_rows, wgrad.rows), clamped4(tile.o0, wgrad.out_channels) * out_plane,
              clamped4(tile.o0 + 4u, wgrad.out_channels) * out_plane, iw, vec4<u32>(iw) < vec4<u32>(wgrad.in_w));
}

// Pass 1: one tile's sums over one chunk of whole output rows (n, oh), walking each row's columns
// with a sliding window per kernel row.
@compute @workgroup_size(PARTIALS_WG)
fn conv_weight_partials(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                        @builtin(local_invocation_index) lid: u32) {
  let t = grid_index(wid, nwg, lid, PARTIALS_WG);
  if (t >= wgrad.tiles * wgrad.chunks) {
    return;
  }
  let job = weight_job(t);
  var sums: WSums;
  var win: array<Window, 5>;
  for (var row = job.first; row < job.last; row++) {
    let at = row_at(job.tile, row);
    win = first_windows(at, job.iw, job.col_ok);
    var ow = 0u;
    for (; ow + 1u < wgrad.out_w; ow += 2u) {
      weight_pixel(&sums, &win, at, job.tile.v0, ow, job.dy_lo, job.dy_hi);
      weight_pixel(&sums, &win, at, job.tile.v0, ow + 1u, job.dy_lo, job.dy_hi);
    }
    if (ow < wgrad.out_w) {
      weight_pixel(&sums, &win, at, job.tile.v0, ow, job.dy_lo, job.dy_hi);
    }
  }
  store_partials(job, sums);
}

// A chunk's sums into `partials`, or, with a single chunk (few output pixels per kernel tap),
// straight into dweight and dbias: the whole sum, with no reduce pass.
fn store_partials(job: WJob, sums: WSums) {
  let tile = job.tile;
  let acc = sums.acc;
  if (wgrad.chunks > 1u) {
    let base = job.t * PARTIAL_SLOTS;
    for (var r = 0u; r < TAPS; r++) {
      for (var s = 0u; s < 10u; s++) {
        partials[base + 10u * r + s] = acc[r][s];
      }
    }
    partials[base + BIAS_SLOT] = sums.bias_lo;
    partials[base + BIAS_SLOT + 1u] = sums.bias_hi;
    return;
  }
  let bias = array<vec4<f32>, 2>(sums.bias_lo, sums.bias_hi);
  for (var m = 0u; m < wgrad.tile_channels; m++) {
    let o = tile.o0 + m;
    if (o >= wgrad.out_channels) {
      break;
    }
    for (var r = 0u; r < TAPS; r++) {
      for (var v = 0u; v < TAPS; v++) {
        let u = tile.u0 + r;
        let col = tile.v0 + v;
        if (u < wgrad.k && col < wgrad.k) {
          dweight[((o * wgrad.in_channels + tile.c) * wgrad.k + u) * wgrad.k + col] = acc[r][2u * v + m / 4u][m % 4u];
        }
      }
    }
    if (tile.c == 0u && tile.u0 == 0u && tile.v0 == 0u) {
      dbias[o] = bias[m / 4u][m % 4u];
    }
  }
}


// Pass 2: one output element per invocation, dweight[o, c, u, v] or (past the weights) dbias[o],
// its chunks added in chunk order.
@compute @workgroup_size(WG)
fn conv_weight_reduce(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                      @builtin(local_invocation_index) lid: u32) {
  let e = grid_index(wid, nwg, lid, WG);
  let kk = wgrad.k * wgrad.k;
  let weights = wgrad.out_channels * wgrad.in_channels * kk;
  if (e >= weights + wgrad.out_channels) {
    return;
  }
  let is_bias = e >= weights;
  let o = select(e / (wgrad.in_channels * kk), e - weights, is_bias);
  let c = select((e / kk) % wgrad.in_channels, 0u, is_bias);
  let u = select((e % kk) / wgrad.k, 0u, is_bias);
  let v = select(e % wgrad.k, 0u, is_bias);
  let m = o % wgrad.tile_channels;
  let tile = (((o / wgrad.tile_channels) * wgrad.in_channels + c) * wgrad.blocks + u / TAPS) * wgrad.blocks + v / TAPS;
  let slot = select(10u * (u % TAPS) + 2u * (v % TAPS), BIAS_SLOT, is_bias) + m / 4u;
  var sum = 0.0;
  for (var chunk = 0u; chunk < wgrad.chunks; chunk++) {
    sum += partials[(tile * wgrad.chunks + chunk) * PARTIAL_SLOTS + slot][m % 4u];
  }
  if (is_bias) {
    dbias[o] = sum;
  } else {
    dweight[e] = sum;
  }
}
