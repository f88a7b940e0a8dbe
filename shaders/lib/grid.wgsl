// Where an invocation is in a 1-D grid of workgroups, which src/gpu/dispatch.ts folds into 2-D
// (x ≤ maxComputeWorkgroupsPerDimension) when it is large: the folded grid's last row overshoots,
// so every caller compares the index against its own count.

// The linear index of workgroup wid in a grid of nwg workgroups.
fn grid_workgroup(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return wid.x + wid.y * nwg.x;
}

// The linear index of invocation lid of workgroup wid, in workgroups of `size` invocations.
fn grid_index(wid: vec3<u32>, nwg: vec3<u32>, lid: u32, size: u32) -> u32 {
  return grid_workgroup(wid, nwg) * size + lid;
}
