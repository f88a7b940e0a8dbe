// Batch assembly on the GPU: the dataset stays resident as packed bytes (4 pixels per u32), and
// each step gathers its batch through the epoch's shuffled index list, normalising on the way
// (x = pixel·scale + shift; [-1, 1] for the study's ToTensor + Normalize(0.5, 0.5)).

//#include "lib/grid.wgsl"

struct Params {
  batch: u32,
  words_per_image: u32,
  images: u32,
  scale: f32,
  shift: f32,
}

struct Step {
  step: u32,
  seed: u32,
  lr: f32,
  batch_start: u32,
}

const WG: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<uniform> step: Step;
@group(0) @binding(2) var<storage, read> pixels: array<u32>;
@group(0) @binding(3) var<storage, read> labels: array<u32>;
@group(0) @binding(4) var<storage, read> order: array<u32>;
@group(0) @binding(5) var<storage, read_write> x: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<u32>;

// One invocation per (sample, packed word): 4 pixels out.
@compute @workgroup_size(WG)
fn gather_batch(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
  let t = grid_index(wid, nwg, lid, WG);
  if (t >= params.batch * params.words_per_image) {
    return;
  }
  let sample = t / params.words_per_image;
  let word = t % params.words_per_image;
  // An index past the dataset would read out of bounds; clamp (the trainer never produces one).
  let image = min(order[step.batch_start + sample], params.images - 1u);
  let packed = pixels[image * params.words_per_image + word];
  let out = t * 4u;
  x[out] = f32(packed & 0xffu) * params.scale + params.shift;
  x[out + 1u] = f32((packed >> 8u) & 0xffu) * params.scale + params.shift;
  x[out + 2u] = f32((packed >> 16u) & 0xffu) * params.scale + params.shift;
  x[out + 3u] = f32(packed >> 24u) * params.scale + params.shift;
  if (word == 0u) {
    y[sample] = labels[image];
  }
}
