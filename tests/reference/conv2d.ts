/**
 * float64 reference of 2-D convolution (stride 1, zero padding), NCHW, PyTorch semantics:
 * y[n,o,i,j] = b[o] + Σ_{c,u,v} x[n, c, i+u−p, j+v−p] · w[o, c, u, v].
 */

export interface Conv2dShape {
  batch: number;
  inChannels: number;
  outChannels: number;
  height: number;
  width: number;
  kernelSize: number;
  padding: number;
}

export function conv2dOutputSize(s: Conv2dShape): [number, number] {
  return [s.height + 2 * s.padding - s.kernelSize + 1, s.width + 2 * s.padding - s.kernelSize + 1];
}

/** Calls visit(xIndex, wIndex, yIndex) for every multiply of the convolution, padding skipped. */
function eachTerm(s: Conv2dShape, visit: (xi: number, wi: number, yi: number) => void): void {
  const { batch: N, inChannels: C, outChannels: O, height: H, width: W, kernelSize: K, padding: P } = s;
  const [OH, OW] = conv2dOutputSize(s);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      for (let i = 0; i < OH; i++) {
        for (let j = 0; j < OW; j++) {
          const yi = ((n * O + o) * OH + i) * OW + j;
          for (let c = 0; c < C; c++) {
            for (let u = 0; u < K; u++) {
              const h = i + u - P;
              if (h < 0 || h >= H) continue;
              for (let v = 0; v < K; v++) {
                const w = j + v - P;
                if (w < 0 || w >= W) continue;
                visit(((n * C + c) * H + h) * W + w, ((o * C + c) * K + u) * K + v, yi);
              }
            }
          }
        }
      }
    }
  }
}

export function conv2dForward(s: Conv2dShape, x: number[], weight: number[], bias: number[]): number[] {
  const [OH, OW] = conv2dOutputSize(s);
  const y = new Array<number>(s.batch * s.outChannels * OH * OW);
  for (let i = 0; i < y.length; i++) y[i] = bias[Math.floor(i / (OH * OW)) % s.outChannels]!;
  eachTerm(s, (xi, wi, yi) => {
    y[yi]! += x[xi]! * weight[wi]!;
  });
  return y;
}

/** dL/dx for upstream gradient dy. */
export function conv2dBackwardInput(s: Conv2dShape, dy: number[], weight: number[]): number[] {
  const dx = new Array<number>(s.batch * s.inChannels * s.height * s.width).fill(0);
  eachTerm(s, (xi, wi, yi) => {
    dx[xi]! += dy[yi]! * weight[wi]!;
  });
  return dx;
}

/** dL/dweight and dL/dbias for upstream gradient dy. */
export function conv2dBackwardWeight(s: Conv2dShape, x: number[], dy: number[]): { dWeight: number[]; dBias: number[] } {
  const [OH, OW] = conv2dOutputSize(s);
  const dWeight = new Array<number>(s.outChannels * s.inChannels * s.kernelSize ** 2).fill(0);
  const dBias = new Array<number>(s.outChannels).fill(0);
  eachTerm(s, (xi, wi, yi) => {
    dWeight[wi]! += x[xi]! * dy[yi]!;
  });
  dy.forEach((g, i) => {
    dBias[Math.floor(i / (OH * OW)) % s.outChannels]! += g;
  });
  return { dWeight, dBias };
}
