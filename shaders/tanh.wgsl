// Elementwise activations: tanh forward and backward.
//
// stable_tanh comes from lib/stable-tanh.wgsl (included below).
// Each invocation handles ELEMS consecutive elements; the 1-D grid may be folded into 2-D.

//#include "lib/grid.wgsl"
//#include "lib/stable-tanh.wgsl"

struct Params {
  count: u32,
}

const WG: u32 = 64u;
// Elements per invocation, set by src/ops/tanh.ts (which sizes the grid by it).
override ELEMS: u32;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read> saved_y: array<f32>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;

fn first_element(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return grid_index(wid, nwg, lid, WG) * ELEMS;
}

@compute @workgroup_size(WG)
fn tanh_forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
  let start = first_element(wid, nwg, lid);
  for (var k = 0u; k < ELEMS; k++) {
    let i = start + k;
    if (i < params.count) {
      y[i] = stable_tanh(x[i]);
    }
  }
}

// d tanh(x)/dx = 1 - tanh(x)², taken from the saved forward output.
@compute @workgroup_size(WG)
fn tanh_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) lid: u32) {
  let start = first_element(wid, nwg, lid);
  for (var k = 0u; k < ELEMS; k++) {
    let i = start + k;
    if (i < params.count) {
      let t = saved_y[i];
      dx[i] = dy[i] * (1.0 - t * t);
    }
  }
}
