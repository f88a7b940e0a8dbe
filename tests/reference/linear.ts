/** float64 reference of the fully connected layer, PyTorch layout: x [N, in], weight [out, in]. */

export interface LinearShape {
  batch: number;
  inFeatures: number;
  outFeatures: number;
}

/** y[n, o] = Σ_i x[n, i]·w[o, i] + b[o] */
export function linearForward(s: LinearShape, x: number[], w: number[], b: number[]): number[] {
  const y = new Array<number>(s.batch * s.outFeatures);
  for (let n = 0; n < s.batch; n++) {
    for (let o = 0; o < s.outFeatures; o++) {
      let sum = b[o]!;
      for (let i = 0; i < s.inFeatures; i++) sum += x[n * s.inFeatures + i]! * w[o * s.inFeatures + i]!;
      y[n * s.outFeatures + o] = sum;
    }
  }
  return y;
}

/** dx[n, i] = Σ_o dy[n, o]·w[o, i] */
export function linearBackwardInput(s: LinearShape, dy: number[], w: number[]): number[] {
  const dx = new Array<number>(s.batch * s.inFeatures).fill(0);
  for (let n = 0; n < s.batch; n++) {
    for (let o = 0; o < s.outFeatures; o++) {
      const g = dy[n * s.outFeatures + o]!;
      for (let i = 0; i < s.inFeatures; i++) dx[n * s.inFeatures + i]! += g * w[o * s.inFeatures + i]!;
    }
  }
  return dx;
}

/** dw[o, i] = Σ_n dy[n, o]·x[n, i], db[o] = Σ_n dy[n, o] */
export function linearBackwardWeight(s: LinearShape, x: number[], dy: number[]): { dw: number[]; db: number[] } {
  const dw = new Array<number>(s.outFeatures * s.inFeatures).fill(0);
  const db = new Array<number>(s.outFeatures).fill(0);
  for (let n = 0; n < s.batch; n++) {
    for (let o = 0; o < s.outFeatures; o++) {
      const g = dy[n * s.outFeatures + o]!;
      db[o]! += g;
      for (let i = 0; i < s.inFeatures; i++) dw[o * s.inFeatures + i]! += g * x[n * s.inFeatures + i]!;
    }
  }
  return { dw, db };
}
