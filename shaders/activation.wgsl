// Elementwise activations: tanh forward and backward.
//
// Built-in tanh is inaccurate for large |x| on some backends (and has produced NaN in peers'
// trainers), so it is computed from exp(-2|x|), which only underflows to 0 as |x| grows. Near 0
// that form loses relative precision to cancellation (1 - e^{-2|x|}), so small |x| uses the
// odd Taylor series instead.
// Each invocation handles ELEMS consecutive elements; the 1-D grid may be folded into 2-D.

struct Params {
  count: u32,
}

const WG: u32 = 64u;
const ELEMS: u32 = 4u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read> saved_y: array<f32>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;

fn stable_tanh(v: f32) -> f32 {
  let a = abs(v);
  if (a < 0.125) {
    let a2 = a * a;
    // tanh a = a - a³/3 + 2a⁵/15 - 17a⁷/315; the next term is below 2e-10·a here.
    return sign(v) * a * (1.0 + a2 * (-1.0 / 3.0 + a2 * (2.0 / 15.0 + a2 * (-17.0 / 315.0))));
  }
  let t = exp(-2.0 * a);
  return sign(v) * (1.0 - t) / (1.0 + t);
}

fn first_element(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return ((wid.x + wid.y * nwg.x) * WG + lid) * ELEMS;
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
