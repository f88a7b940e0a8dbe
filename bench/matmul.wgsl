// The ceiling: a dense f32 matrix multiply C = A·B (row-major M×K by K×N), register-tiled with no
// workgroup memory — the form that did best on SwiftShader, where workgroup memory is ordinary
// CPU memory behind barriers. Each invocation keeps an R×C block of C in vec4 registers and, per
// step of 4 along K, loads R vec4 of A and 4·C/4 vec4 of B. SwiftShader's JIT does not unroll
// loops or keep indexed arrays in registers, so each tile shape is written out as its own entry
// point (mm_RxC). M, K, N must be multiples of the tile and of 4. A benchmark kernel, not an op.

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
