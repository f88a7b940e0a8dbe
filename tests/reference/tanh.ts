/** float64 reference of tanh forward/backward. */

export function tanhForward(x: number[]): number[] {
  return x.map(Math.tanh);
}

export function tanhBackward(y: number[], dy: number[]): number[] {
  return y.map((t, i) => dy[i]! * (1 - t * t));
}
