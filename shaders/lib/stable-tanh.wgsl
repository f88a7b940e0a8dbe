// Numerically stable tanh, shared by tanh.wgsl, linear.wgsl and tanh-pool.wgsl (each has
// `//#include "lib/stable-tanh.wgsl"`, resolved at build time by wgsl-plugin.mjs).
//
// Built-in tanh is inaccurate for large |x| on some backends (and has produced NaN in peers'
// trainers), so it is computed from exp(-2|x|), which only underflows to 0 as |x| grows. Near 0
// that form loses relative precision to cancellation (1 - e^{-2|x|}), so small |x| uses the
// odd Taylor series instead.
fn stable_tanh(v: f32) -> f32 {
  let a = abs(v);
  let a2 = a * a;
  // tanh a = a - a³/3 + 2a⁵/15 - 17a⁷/315; the next term is below 2e-10·a for a < 0.125.
  let series = a * (1.0 + a2 * (-1.0 / 3.0 + a2 * (2.0 / 15.0 + a2 * (-17.0 / 315.0))));
  let t = exp(-2.0 * a);
  // Both forms, then a select: SIMD lanes would run both sides of a branch anyway, and a
  // branch costs SwiftShader more than the arithmetic.
  return sign(v) * select((1.0 - t) / (1.0 + t), series, a < 0.125);
}
