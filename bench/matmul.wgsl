// The ceiling: a dense f32 matrix multiply C = A·B (row-major M×K by K×N), register-tiled with no
// workgroup memory — the form that did best on SwiftShader, where workgroup memory is ordinary
// CPU memory behind barriers. Each invocation keeps an R×C block of C in vec4 registers and, per
// step of 4 along K, loads R vec4 of A and 4·C/4 vec4 of B. SwiftShader's JIT does not unroll
// loops, so each tile shape is written out as its own entry point (mm_RxC). 8×16 and 16×8 (tried
// because the conv kernels gained from 8×16 tiles) measured ~30% slower than 8×8 at first and
// the best in the latest full run (bench/README.md); the bench takes the best of all. M, K, N
// must be multiples of the tile and of 4. A benchmark kernel, not an op.

override WORKGROUP: u32 = 64u;

struct Dims { m: u32, k: u32, n: u32, _pad: u32 }

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> c: array<vec4<f32>>;

// acc + a.x·b0 + a.y·b1 + a.z·b2 + a.w·b3: one row of A's 4-wide step times 4 rows of B.
fn madd(acc: vec4<f32>, av: vec4<f32>, b0: vec4<f32>, b1: vec4<f32>, b2: vec4<f32>, b3: vec4<f32>) -> vec4<f32> {
  return fma(vec4<f32>(av.w), b3, fma(vec4<f32>(av.z), b2, fma(vec4<f32>(av.y), b1, fma(vec4<f32>(av.x), b0, acc))));
}

struct Tile { row: u32, col4: u32, valid: bool }

// Which R×(4·cols4) block of C an invocation owns; the grid may be folded into 2-D.
fn tileOf(gid: vec3<u32>, nwg: vec3<u32>, rows: u32, cols4: u32) -> Tile {
  let index = gid.x + gid.y * nwg.x * WORKGROUP;
  let perRow = dims.n / (4u * cols4);
  return Tile((index / perRow) * rows, (index % perRow) * cols4, index < (dims.m / rows) * perRow);
}

@compute @workgroup_size(WORKGROUP)
fn mm_4x4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = tileOf(gid, nwg, 4u, 1u);
  if (!t.valid) { return; }
  let k4 = dims.k / 4u;
  let n4 = dims.n / 4u;
  var c0 = vec4<f32>(0.0); var c1 = vec4<f32>(0.0); var c2 = vec4<f32>(0.0); var c3 = vec4<f32>(0.0);
  for (var k = 0u; k < k4; k++) {
    let bk = 4u * k * n4 + t.col4;
    let b0 = b[bk]; let b1 = b[bk + n4]; let b2 = b[bk + 2u * n4]; let b3 = b[bk + 3u * n4];
    let ak = t.row * k4 + k;
    c0 = madd(c0, a[ak], b0, b1, b2, b3);
    c1 = madd(c1, a[ak + k4], b0, b1, b2, b3);
    c2 = madd(c2, a[ak + 2u * k4], b0, b1, b2, b3);
    c3 = madd(c3, a[ak + 3u * k4], b0, b1, b2, b3);
  }
  let o = t.row * n4 + t.col4;
  c[o] = c0; c[o + n4] = c1; c[o + 2u * n4] = c2; c[o + 3u * n4] = c3;
}

@compute @workgroup_size(WORKGROUP)
fn mm_4x8(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = tileOf(gid, nwg, 4u, 2u);
  if (!t.valid) { return; }
  let k4 = dims.k / 4u;
  let n4 = dims.n / 4u;
  var c00 = vec4<f32>(0.0); var c10 = vec4<f32>(0.0); var c20 = vec4<f32>(0.0); var c30 = vec4<f32>(0.0);
  var c01 = vec4<f32>(0.0); var c11 = vec4<f32>(0.0); var c21 = vec4<f32>(0.0); var c31 = vec4<f32>(0.0);
  for (var k = 0u; k < k4; k++) {
    let bk = 4u * k * n4 + t.col4;
    let b00 = b[bk]; let b10 = b[bk + n4]; let b20 = b[bk + 2u * n4]; let b30 = b[bk + 3u * n4];
    let b01 = b[bk + 1u]; let b11 = b[bk + n4 + 1u]; let b21 = b[bk + 2u * n4 + 1u]; let b31 = b[bk + 3u * n4 + 1u];
    let ak = t.row * k4 + k;
    let a0 = a[ak]; let a1 = a[ak + k4]; let a2 = a[ak + 2u * k4]; let a3 = a[ak + 3u * k4];
    c00 = madd(c00, a0, b00, b10, b20, b30); c01 = madd(c01, a0, b01, b11, b21, b31);
    c10 = madd(c10, a1, b00, b10, b20, b30); c11 = madd(c11, a1, b01, b11, b21, b31);
    c20 = madd(c20, a2, b00, b10, b20, b30); c21 = madd(c21, a2, b01, b11, b21, b31);
    c30 = madd(c30, a3, b00, b10, b20, b30); c31 = madd(c31, a3, b01, b11, b21, b31);
  }
  let o = t.row * n4 + t.col4;
  c[o] = c00; c[o + 1u] = c01;
  c[o + n4] = c10; c[o + n4 + 1u] = c11;
  c[o + 2u * n4] = c20; c[o + 2u * n4 + 1u] = c21;
  c[o + 3u * n4] = c30; c[o + 3u * n4 + 1u] = c31;
}

@compute @workgroup_size(WORKGROUP)
fn mm_8x4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = tileOf(gid, nwg, 8u, 1u);
  if (!t.valid) { return; }
  let k4 = dims.k / 4u;
  let n4 = dims.n / 4u;
  var c0 = vec4<f32>(0.0); var c1 = vec4<f32>(0.0); var c2 = vec4<f32>(0.0); var c3 = vec4<f32>(0.0);
  var c4 = vec4<f32>(0.0); var c5 = vec4<f32>(0.0); var c6 = vec4<f32>(0.0); var c7 = vec4<f32>(0.0);
  for (var k = 0u; k < k4; k++) {
    let bk = 4u * k * n4 + t.col4;
    let b0 = b[bk]; let b1 = b[bk + n4]; let b2 = b[bk + 2u * n4]; let b3 = b[bk + 3u * n4];
    let ak = t.row * k4 + k;
    c0 = madd(c0, a[ak], b0, b1, b2, b3);
    c1 = madd(c1, a[ak + k4], b0, b1, b2, b3);
    c2 = madd(c2, a[ak + 2u * k4], b0, b1, b2, b3);
    c3 = madd(c3, a[ak + 3u * k4], b0, b1, b2, b3);
    c4 = madd(c4, a[ak + 4u * k4], b0, b1, b2, b3);
    c5 = madd(c5, a[ak + 5u * k4], b0, b1, b2, b3);
    c6 = madd(c6, a[ak + 6u * k4], b0, b1, b2, b3);
    c7 = madd(c7, a[ak + 7u * k4], b0, b1, b2, b3);
  }
  let o = t.row * n4 + t.col4;
  c[o] = c0; c[o + n4] = c1; c[o + 2u * n4] = c2; c[o + 3u * n4] = c3;
  c[o + 4u * n4] = c4; c[o + 5u * n4] = c5; c[o + 6u * n4] = c6; c[o + 7u * n4] = c7;
}

@compute @workgroup_size(WORKGROUP)
fn mm_8x8(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = tileOf(gid, nwg, 8u, 2u);
  if (!t.valid) { return; }
  let k4 = dims.k / 4u;
  let n4 = dims.n / 4u;
  var c00 = vec4<f32>(0.0); var c10 = vec4<f32>(0.0); var c20 = vec4<f32>(0.0); var c30 = vec4<f32>(0.0);
  var c40 = vec4<f32>(0.0); var c50 = vec4<f32>(0.0); var c60 = vec4<f32>(0.0); var c70 = vec4<f32>(0.0);
  var c01 = vec4<f32>(0.0); var c11 = vec4<f32>(0.0); var c21 = vec4<f32>(0.0); var c31 = vec4<f32>(0.0);
  var c41 = vec4<f32>(0.0); var c51 = vec4<f32>(0.0); var c61 = vec4<f32>(0.0); var c71 = vec4<f32>(0.0);
  for (var k = 0u; k < k4; k++) {
    let bk = 4u * k * n4 + t.col4;
    let b00 = b[bk]; let b10 = b[bk + n4]; let b20 = b[bk + 2u * n4]; let b30 = b[bk + 3u * n4];
    let b01 = b[bk + 1u]; let b11 = b[bk + n4 + 1u]; let b21 = b[bk + 2u * n4 + 1u]; let b31 = b[bk + 3u * n4 + 1u];
    let ak = t.row * k4 + k;
    var av = a[ak];
    c00 = madd(c00, av, b00, b10, b20, b30); c01 = madd(c01, av, b01, b11, b21, b31);
    av = a[ak + k4];
    c10 = madd(c10, av, b00, b10, b20, b30); c11 = madd(c11, av, b01, b11, b21, b31);
    av = a[ak + 2u * k4];
    c20 = madd(c20, av, b00, b10, b20, b30); c21 = madd(c21, av, b01, b11, b21, b31);
    av = a[ak + 3u * k4];
    c30 = madd(c30, av, b00, b10, b20, b30); c31 = madd(c31, av, b01, b11, b21, b31);
    av = a[ak + 4u * k4];
    c40 = madd(c40, av, b00, b10, b20, b30); c41 = madd(c41, av, b01, b11, b21, b31);
    av = a[ak + 5u * k4];
    c50 = madd(c50, av, b00, b10, b20, b30); c51 = madd(c51, av, b01, b11, b21, b31);
    av = a[ak + 6u * k4];
    c60 = madd(c60, av, b00, b10, b20, b30); c61 = madd(c61, av, b01, b11, b21, b31);
    av = a[ak + 7u * k4];
    c70 = madd(c70, av, b00, b10, b20, b30); c71 = madd(c71, av, b01, b11, b21, b31);
  }
  let o = t.row * n4 + t.col4;
  c[o] = c00; c[o + 1u] = c01;
  c[o + n4] = c10; c[o + n4 + 1u] = c11;
  c[o + 2u * n4] = c20; c[o + 2u * n4 + 1u] = c21;
  c[o + 3u * n4] = c30; c[o + 3u * n4 + 1u] = c31;
  c[o + 4u * n4] = c40; c[o + 4u * n4 + 1u] = c41;
  c[o + 5u * n4] = c50; c[o + 5u * n4 + 1u] = c51;
  c[o + 6u * n4] = c60; c[o + 6u * n4 + 1u] = c61;
  c[o + 7u * n4] = c70; c[o + 7u * n4 + 1u] = c71;
}

@compute @workgroup_size(WORKGROUP)
fn mm_8x16(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = tileOf(gid, nwg, 8u, 4u);
  if (!t.valid) { return; }
  let k4 = dims.k / 4u;
  let n4 = dims.n / 4u;
  // acc[4·r + j]: row r, columns 4j .. 4j + 3 of the tile.
  var acc: array<vec4<f32>, 32>;
  for (var k = 0u; k < k4; k++) {
    let bk = 4u * k * n4 + t.col4;
    let b00 = b[bk]; let b10 = b[bk + n4]; let b20 = b[bk + 2u * n4]; let b30 = b[bk + 3u * n4];
    let b01 = b[bk + 1u]; let b11 = b[bk + n4 + 1u]; let b21 = b[bk + 2u * n4 + 1u]; let b31 = b[bk + 3u * n4 + 1u];
    let b02 = b[bk + 2u]; let b12 = b[bk + n4 + 2u]; let b22 = b[bk + 2u * n4 + 2u]; let b32 = b[bk + 3u * n4 + 2u];
    let b03 = b[bk + 3u]; let b13 = b[bk + n4 + 3u]; let b23 = b[bk + 2u * n4 + 3u]; let b33 = b[bk + 3u * n4 + 3u];
    let ak = t.row * k4 + k;
    var av = a[ak];
    acc[0] = madd(acc[0], av, b00, b10, b20, b30); acc[1] = madd(acc[1], av, b01, b11, b21, b31); acc[2] = madd(acc[2], av, b02, b12, b22, b32); acc[3] = madd(acc[3], av, b03, b13, b23, b33);
    av = a[ak + k4];
    acc[4] = madd(acc[4], av, b00, b10, b20, b30); acc[5] = madd(acc[5], av, b01, b11, b21, b31); acc[6] = madd(acc[6], av, b02, b12, b22, b32); acc[7] = madd(acc[7], av, b03, b13, b23, b33);
    av = a[ak + 2u * k4];
    acc[8] = madd(acc[8], av, b00, b10, b20, b30); acc[9] = madd(acc[9], av, b01, b11, b21, b31); acc[10] = madd(acc[10], av, b02, b12, b22, b32); acc[11] = madd(acc[11], av, b03, b13, b23, b33);
    av = a[ak + 3u * k4];
    acc[12] = madd(acc[12], av, b00, b10, b20, b30); acc[13] = madd(acc[13], av, b01, b11, b21, b31); acc[14] = madd(acc[14], av, b02, b12, b22, b32); acc[15] = madd(acc[15], av, b03, b13, b23, b33);
    av = a[ak + 4u * k4];
    acc[16] = madd(acc[16], av, b00, b10, b20, b30); acc[17] = madd(acc[17], av, b01, b11, b21, b31); acc[18] = madd(acc[18], av, b02, b12, b22, b32); acc[19] = madd(acc[19], av, b03, b13, b23, b33);
    av = a[ak + 5u * k4];
    acc[20] = madd(acc[20], av, b00, b10, b20, b30); acc[21] = madd(acc[21], av, b01, b11, b21, b31); acc[22] = madd(acc[22], av, b02, b12, b22, b32); acc[23] = madd(acc[23], av, b03, b13, b23, b33);
    av = a[ak + 6u * k4];
    acc[24] = madd(acc[24], av, b00, b10, b20, b30); acc[25] = madd(acc[25], av, b01, b11, b21, b31); acc[26] = madd(acc[26], av, b02, b12, b22, b32); acc[27] = madd(acc[27], av, b03, b13, b23, b33);
    av = a[ak + 7u * k4];
    acc[28] = madd(acc[28], av, b00, b10, b20, b30); acc[29] = madd(acc[29], av, b01, b11, b21, b31); acc[30] = madd(acc[30], av, b02, b12, b22, b32); acc[31] = madd(acc[31], av, b03, b13, b23, b33);
  }
  let o = t.row * n4 + t.col4;
  c[o] = acc[0]; c[o + 1u] = acc[1]; c[o + 2u] = acc[2]; c[o + 3u] = acc[3];
  c[o + n4] = acc[4]; c[o + n4 + 1u] = acc[5]; c[o + n4 + 2u] = acc[6]; c[o + n4 + 3u] = acc[7];
  c[o + 2u * n4] = acc[8]; c[o + 2u * n4 + 1u] = acc[9]; c[o + 2u * n4 + 2u] = acc[10]; c[o + 2u * n4 + 3u] = acc[11];
  c[o + 3u * n4] = acc[12]; c[o + 3u * n4 + 1u] = acc[13]; c[o + 3u * n4 + 2u] = acc[14]; c[o + 3u * n4 + 3u] = acc[15];
  c[o + 4u * n4] = acc[16]; c[o + 4u * n4 + 1u] = acc[17]; c[o + 4u * n4 + 2u] = acc[18]; c[o + 4u * n4 + 3u] = acc[19];
  c[o + 5u * n4] = acc[20]; c[o + 5u * n4 + 1u] = acc[21]; c[o + 5u * n4 + 2u] = acc[22]; c[o + 5u * n4 + 3u] = acc[23];
  c[o + 6u * n4] = acc[24]; c[o + 6u * n4 + 1u] = acc[25]; c[o + 6u * n4 + 2u] = acc[26]; c[o + 6u * n4 + 3u] = acc[27];
  c[o + 7u * n4] = acc[28]; c[o + 7u * n4 + 1u] = acc[29]; c[o + 7u * n4 + 2u] = acc[30]; c[o + 7u * n4 + 3u] = acc[31];
}

@compute @workgroup_size(WORKGROUP)
fn mm_16x8(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = tileOf(gid, nwg, 16u, 2u);
  if (!t.valid) { return; }
  let k4 = dims.k / 4u;
  let n4 = dims.n / 4u;
  // acc[2·r + j]: row r, columns 4j .. 4j + 3 of the tile.
  var acc: array<vec4<f32>, 32>;
  for (var k = 0u; k < k4; k++) {
    let bk = 4u * k * n4 + t.col4;
    let b00 = b[bk]; let b10 = b[bk + n4]; let b20 = b[bk + 2u * n4]; let b30 = b[bk + 3u * n4];
    let b01 = b[bk + 1u]; let b11 = b[bk + n4 + 1u]; let b21 = b[bk + 2u * n4 + 1u]; let b31 = b[bk + 3u * n4 + 1u];
    let ak = t.row * k4 + k;
    var av = a[ak];
    acc[0] = madd(acc[0], av, b00, b10, b20, b30); acc[1] = madd(acc[1], av, b01, b11, b21, b31);
    av = a[ak + k4];
    acc[2] = madd(acc[2], av, b00, b10, b20, b30); acc[3] = madd(acc[3], av, b01, b11, b21, b31);
    av = a[ak + 2u * k4];
    acc[4] = madd(acc[4], av, b00, b10, b20, b30); acc[5] = madd(acc[5], av, b01, b11, b21, b31);
    av = a[ak + 3u * k4];
    acc[6] = madd(acc[6], av, b00, b10, b20, b30); acc[7] = madd(acc[7], av, b01, b11, b21, b31);
    av = a[ak + 4u * k4];
    acc[8] = madd(acc[8], av, b00, b10, b20, b30); acc[9] = madd(acc[9], av, b01, b11, b21, b31);
    av = a[ak + 5u * k4];
    acc[10] = madd(acc[10], av, b00, b10, b20, b30); acc[11] = madd(acc[11], av, b01, b11, b21, b31);
    av = a[ak + 6u * k4];
    acc[12] = madd(acc[12], av, b00, b10, b20, b30); acc[13] = madd(acc[13], av, b01, b11, b21, b31);
    av = a[ak + 7u * k4];
    acc[14] = madd(acc[14], av, b00, b10, b20, b30); acc[15] = madd(acc[15], av, b01, b11, b21, b31);
    av = a[ak + 8u * k4];
    acc[16] = madd(acc[16], av, b00, b10, b20, b30); acc[17] = madd(acc[17], av, b01, b11, b21, b31);
    av = a[ak + 9u * k4];
    acc[18] = madd(acc[18], av, b00, b10, b20, b30); acc[19] = madd(acc[19], av, b01, b11, b21, b31);
    av = a[ak + 10u * k4];
    acc[20] = madd(acc[20], av, b00, b10, b20, b30); acc[21] = madd(acc[21], av, b01, b11, b21, b31);
    av = a[ak + 11u * k4];
    acc[22] = madd(acc[22], av, b00, b10, b20, b30); acc[23] = madd(acc[23], av, b01, b11, b21, b31);
    av = a[ak + 12u * k4];
    acc[24] = madd(acc[24], av, b00, b10, b20, b30); acc[25] = madd(acc[25], av, b01, b11, b21, b31);
    av = a[ak + 13u * k4];
    acc[26] = madd(acc[26], av, b00, b10, b20, b30); acc[27] = madd(acc[27], av, b01, b11, b21, b31);
    av = a[ak + 14u * k4];
    acc[28] = madd(acc[28], av, b00, b10, b20, b30); acc[29] = madd(acc[29], av, b01, b11, b21, b31);
    av = a[ak + 15u * k4];
    acc[30] = madd(acc[30], av, b00, b10, b20, b30); acc[31] = madd(acc[31], av, b01, b11, b21, b31);
  }
  let o = t.row * n4 + t.col4;
  c[o] = acc[0]; c[o + 1u] = acc[1];
  c[o + n4] = acc[2]; c[o + n4 + 1u] = acc[3];
  c[o + 2u * n4] = acc[4]; c[o + 2u * n4 + 1u] = acc[5];
  c[o + 3u * n4] = acc[6]; c[o + 3u * n4 + 1u] = acc[7];
  c[o + 4u * n4] = acc[8]; c[o + 4u * n4 + 1u] = acc[9];
  c[o + 5u * n4] = acc[10]; c[o + 5u * n4 + 1u] = acc[11];
  c[o + 6u * n4] = acc[12]; c[o + 6u * n4 + 1u] = acc[13];
  c[o + 7u * n4] = acc[14]; c[o + 7u * n4 + 1u] = acc[15];
  c[o + 8u * n4] = acc[16]; c[o + 8u * n4 + 1u] = acc[17];
  c[o + 9u * n4] = acc[18]; c[o + 9u * n4 + 1u] = acc[19];
  c[o + 10u * n4] = acc[20]; c[o + 10u * n4 + 1u] = acc[21];
  c[o + 11u * n4] = acc[22]; c[o + 11u * n4 + 1u] = acc[23];
  c[o + 12u * n4] = acc[24]; c[o + 12u * n4 + 1u] = acc[25];
  c[o + 13u * n4] = acc[26]; c[o + 13u * n4 + 1u] = acc[27];
  c[o + 14u * n4] = acc[28]; c[o + 14u * n4 + 1u] = acc[29];
  c[o + 15u * n4] = acc[30]; c[o + 15u * n4 + 1u] = acc[31];
}

// C = A·Bᵀ with B stored N×K (as a linear layer's weight), so both operands stream along K in
// memory; about as fast as C = A·B on SwiftShader (within a few %), tried for the ceiling too.
fn nt4(acc: vec4<f32>, av: vec4<f32>, b0: vec4<f32>, b1: vec4<f32>, b2: vec4<f32>, b3: vec4<f32>) -> vec4<f32> {
  return acc + vec4<f32>(dot(av, b0), dot(av, b1), dot(av, b2), dot(av, b3));
}

@compute @workgroup_size(WORKGROUP)
fn mm_nt_4x4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = tileOf(gid, nwg, 4u, 1u);
  if (!t.valid) { return; }
  let k4 = dims.k / 4u;
  let col = 4u * t.col4;
  var c0 = vec4<f32>(0.0); var c1 = vec4<f32>(0.0); var c2 = vec4<f32>(0.0); var c3 = vec4<f32>(0.0);
  for (var k = 0u; k < k4; k++) {
    let bk = col * k4 + k;
    let b0 = b[bk]; let b1 = b[bk + k4]; let b2 = b[bk + 2u * k4]; let b3 = b[bk + 3u * k4];
    let ak = t.row * k4 + k;
    c0 = nt4(c0, a[ak], b0, b1, b2, b3);
    c1 = nt4(c1, a[ak + k4], b0, b1, b2, b3);
    c2 = nt4(c2, a[ak + 2u * k4], b0, b1, b2, b3);
    c3 = nt4(c3, a[ak + 3u * k4], b0, b1, b2, b3);
  }
  let n4 = dims.n / 4u;
  let o = t.row * n4 + t.col4;
  c[o] = c0; c[o + n4] = c1; c[o + 2u * n4] = c2; c[o + 3u * n4] = c3;
}

@compute @workgroup_size(WORKGROUP)
fn mm_nt_8x8(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = tileOf(gid, nwg, 8u, 2u);
  if (!t.valid) { return; }
  let k4 = dims.k / 4u;
  let col = 4u * t.col4;
  // acc[2·r + q]: row r, columns 4q .. 4q + 3 of the tile.
  var acc: array<vec4<f32>, 16>;
  for (var k = 0u; k < k4; k++) {
    let bk = col * k4 + k;
    let b0 = b[bk]; let b1 = b[bk + k4]; let b2 = b[bk + 2u * k4]; let b3 = b[bk + 3u * k4];
    let b4 = b[bk + 4u * k4]; let b5 = b[bk + 5u * k4]; let b6 = b[bk + 6u * k4]; let b7 = b[bk + 7u * k4];
    let ak = t.row * k4 + k;
    var av = a[ak];
    acc[0] = nt4(acc[0], av, b0, b1, b2, b3); acc[1] = nt4(acc[1], av, b4, b5, b6, b7);
    av = a[ak + k4];
    acc[2] = nt4(acc[2], av, b0, b1, b2, b3); acc[3] = nt4(acc[3], av, b4, b5, b6, b7);
    av = a[ak + 2u * k4];
    acc[4] = nt4(acc[4], av, b0, b1, b2, b3); acc[5] = nt4(acc[5], av, b4, b5, b6, b7);
    av = a[ak + 3u * k4];
    acc[6] = nt4(acc[6], av, b0, b1, b2, b3); acc[7] = nt4(acc[7], av, b4, b5, b6, b7);
    av = a[ak + 4u * k4];
    acc[8] = nt4(acc[8], av, b0, b1, b2, b3); acc[9] = nt4(acc[9], av, b4, b5, b6, b7);
    av = a[ak + 5u * k4];
    acc[10] = nt4(acc[10], av, b0, b1, b2, b3); acc[11] = nt4(acc[11], av, b4, b5, b6, b7);
    av = a[ak + 6u * k4];
    acc[12] = nt4(acc[12], av, b0, b1, b2, b3); acc[13] = nt4(acc[13], av, b4, b5, b6, b7);
    av = a[ak + 7u * k4];
    acc[14] = nt4(acc[14], av, b0, b1, b2, b3); acc[15] = nt4(acc[15], av, b4, b5, b6, b7);
  }
  let n4 = dims.n / 4u;
  let o = t.row * n4 + t.col4;
  c[o] = acc[0]; c[o + 1u] = acc[1];
  c[o + n4] = acc[2]; c[o + n4 + 1u] = acc[3];
  c[o + 2u * n4] = acc[4]; c[o + 2u * n4 + 1u] = acc[5];
  c[o + 3u * n4] = acc[6]; c[o + 3u * n4 + 1u] = acc[7];
  c[o + 4u * n4] = acc[8]; c[o + 4u * n4 + 1u] = acc[9];
  c[o + 5u * n4] = acc[10]; c[o + 5u * n4 + 1u] = acc[11];
  c[o + 6u * n4] = acc[12]; c[o + 6u * n4 + 1u] = acc[13];
  c[o + 7u * n4] = acc[14]; c[o + 7u * n4 + 1u] = acc[15];
}
