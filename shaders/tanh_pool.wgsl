// Fused tanh → 2-D average pooling over non-overlapping k×k windows (stride = k, floor mode): the
// pair that follows conv1 and conv2 in LeNet-5. Forward reads the pre-activation z once and writes
// only the pooled map; backward recomputes tanh(z) rather than storing the activation. Per element
// the arithmetic is that of the unfused kernels (activation.wgsl then pool.wgsl), in the same
// order, so the fused results equal theirs bit for bit — with about half the memory traffic.
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
const ELEMS: u32 = 4u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> dz: array<f32>;

fn first_element(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return ((wid.x + wid.y * nwg.x) * WG + lid) * ELEMS;
}

// y[o] = Σ_window tanh(z) / area, one pooled output per element.
@compute @workgroup_size(WG)
fn tanh_pool_forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                     @builtin(local_invocation_index) lid: u32) {
  let out_plane = params.out_height * params.out_width;
  let count = params.planes * out_plane;
  let k = params.kernel_size;
  let start = first_element(wid, nwg, lid);
  for (var e = 0u; e < ELEMS; e++) {
    let o = start + e;
    if (o >= count) {
      return;
    }
    let plane = o / out_plane;
    let r = o - plane * out_plane;
    let oh = r / params.out_width;
    let ow = r - oh * params.out_width;
    var row = (plane * params.height + oh * k) * params.width + ow * k;
    var sum = 0.0;
    for (var i = 0u; i < k; i++) {
      for (var j = 0u; j < k; j++) {
        sum += stable_tanh(z[row + j]);
      }
      row += params.width;
    }
    y[o] = sum / params.area;
  }
}

// dz = dy[window] / area · (1 − tanh(z)²); inputs left outside every window (floor mode) get 0.
@compute @workgroup_size(WG)
fn tanh_pool_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                      @builtin(local_invocation_index) lid: u32) {
  let in_plane = params.height * params.width;
  let count = params.planes * in_plane;
  let k = params.kernel_size;
  let start = first_element(wid, nwg, lid);
  for (var e = 0u; e < ELEMS; e++) {
    let i = start + e;
    if (i >= count) {
      return;
    }
    let plane = i / in_plane;
    let r = i - plane * in_plane;
    let oh = (r / params.width) / k;
    let ow = (r % params.width) / k;
    var g = 0.0;
    if (oh < params.out_height && ow < params.out_width) {
      g = dy[(plane * params.out_height + oh) * params.out_width + ow] / params.area;
    }
    let t = stable_tanh(z[i]);
    dz[i] = g * (1.0 - t * t);
  }
}
