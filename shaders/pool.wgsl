// 2-D average pooling (NCHW, no padding, floor mode), forward and backward.
//
// The N·C planes are pooled independently, so both kernels see the tensors as `planes` stacked
// H×W (input) and OH×OW (output) images. Each invocation handles ELEMS consecutive elements of
// its output tensor (y forward, dx backward); the 1-D grid may be folded into 2-D.
// Sums are divided by the window area (not multiplied by its reciprocal): forward then rounds as
// PyTorch's does, and backward divides once per input element instead of once per window.

//#include "lib/grid.wgsl"

struct Params {
  planes: u32,
  height: u32,
  width: u32,
  out_height: u32,
  out_width: u32,
  kernel_size: u32,
  stride: u32,
  area: f32,
}

const WG: u32 = 64u;
// Elements per invocation, set by src/ops/pool.ts (which sizes the grid by it).
override ELEMS: u32;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;

fn first_element(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return grid_index(wid, nwg, lid, WG) * ELEMS;
}

@compute @workgroup_size(WG)
fn avgpool_forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
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
    var row = (plane * params.height + oh * params.stride) * params.width + ow * params.stride;
    var sum = 0.0;
    for (var i = 0u; i < k; i++) {
      for (var j = 0u; j < k; j++) {
        sum += x[row + j];
      }
      row += params.width;
    }
    y[o] = sum / params.area;
  }
}

// dx[ih, iw] = Σ dy[oh, ow] / area over every window containing (ih, iw): the windows with
// oh·s ≤ ih < oh·s + k, i.e. oh from ⌊(ih − k)/s⌋ + 1 (or 0 when ih < k) to min(⌊ih/s⌋, OH − 1).
// Gathering per input element keeps overlapping windows (s < k) correct without atomics.
@compute @workgroup_size(WG)
fn avgpool_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                    @builtin(local_invocation_index) lid: u32) {
  let in_plane = params.height * params.width;
  let count = params.planes * in_plane;
  let k = params.kernel_size;
  let s = params.stride;
  let start = first_element(wid, nwg, lid);
  for (var e = 0u; e < ELEMS; e++) {
    let i = start + e;
    if (i >= count) {
      return;
    }
    let plane = i / in_plane;
    let r = i - plane * in_plane;
    let ih = r / params.width;
    let iw = r - ih * params.width;
    let oh_lo = select(0u, (ih - k) / s + 1u, ih >= k);
    let oh_hi = min(ih / s + 1u, params.out_height);
    let ow_lo = select(0u, (iw - k) / s + 1u, iw >= k);
    let ow_hi = min(iw / s + 1u, params.out_width);
    var sum = 0.0;
    for (var oh = oh_lo; oh < oh_hi; oh++) {
      let row = (plane * params.out_height + oh) * params.out_width;
      for (var ow = ow_lo; ow < ow_hi; ow++) {
        sum += dy[row + ow];
      }
    }
    dx[i] = sum / params.area;
  }
}
