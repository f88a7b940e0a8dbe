/** float64 reference of AvgPool2d (NCHW, no padding, floor mode), as PyTorch defines it. */

export interface PoolShape {
  batch: number;
  channels: number;
  height: number;
  width: number;
  kernelSize: number;
  stride: number;
}

export function poolOutputSize(s: PoolShape): [number, number] {
  return [Math.floor((s.height - s.kernelSize) / s.stride) + 1, Math.floor((s.width - s.kernelSize) / s.stride) + 1];
}

export function avgPoolForward(x: number[], s: PoolShape): number[] {
  const [oh, ow] = poolOutputSize(s);
  const k = s.kernelSize;
  const y: number[] = [];
  for (let p = 0; p < s.batch * s.channels; p++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        let sum = 0;
        for (let a = 0; a < k; a++) {
          for (let b = 0; b < k; b++) sum += x[(p * s.height + i * s.stride + a) * s.width + j * s.stride + b]!;
        }
        y.push(sum / (k * k));
      }
    }
  }
  return y;
}

/** Scatter each dy over its window (the adjoint of the forward sum), independent of the GPU's gather. */
export function avgPoolBackward(dy: number[], s: PoolShape): number[] {
  const [oh, ow] = poolOutputSize(s);
  const k = s.kernelSize;
  const dx = new Array<number>(s.batch * s.channels * s.height * s.width).fill(0);
  for (let p = 0; p < s.batch * s.channels; p++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const g = dy[(p * oh + i) * ow + j]! / (k * k);
        for (let a = 0; a < k; a++) {
          for (let b = 0; b < k; b++) dx[(p * s.height + i * s.stride + a) * s.width + j * s.stride + b]! += g;
        }
      }
    }
  }
  return dx;
}
