/** Comparing GPU results with the float64 reference: |gpu − ref| ≤ atol + rtol·|ref|, elementwise. */
import * as assert from 'uvu/assert';

export interface Tolerance {
  atol: number;
  rtol: number;
}

/** Fail with the worst element, its index and `context` (seed, shape) when any element is off. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, context: string): void {
  assert.is(actual.length, expected.length, `${context}: length ${actual.length} ≠ ${expected.length}`);
  let worst = -1;
  let worstExcess = 0;
  let failures = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const excess = Math.abs(a - e) - (tol.atol + tol.rtol * Math.abs(e));
    if (!(excess <= 0)) {
      failures++;
      if (worst < 0 || !(excess <= worstExcess)) {
        worst = i;
        worstExcess = excess;
      }
    }
  }
  if (failures > 0) {
    assert.unreachable(
      `${context}: ${failures}/${expected.length} elements off (atol ${tol.atol}, rtol ${tol.rtol}); ` +
        `worst at [${worst}]: gpu ${actual[worst]} vs ref ${expected[worst]}`,
    );
  }
}

/** Bitwise equality of two float arrays (for determinism tests). */
export function expectIdentical(a: ArrayLike<number>, b: ArrayLike<number>, context: string): void {
  assert.is(a.length, b.length, `${context}: lengths differ`);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) assert.unreachable(`${context}: element ${i} differs: ${a[i]} vs ${b[i]}`);
  }
}
