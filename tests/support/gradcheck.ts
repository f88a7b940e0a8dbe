/** Central finite differences, to check the float64 reference's hand-written backward passes. */
import { expectClose } from './compare.ts';

/**
 * For a scalar loss L(x) = Σ f(x)·w with fixed random weights w (so every output matters),
 * compare the analytic gradient with (L(x+h) − L(x−h)) / 2h at every element of x.
 */
export function checkGradient(
  name: string,
  x: number[],
  forward: (x: number[]) => number[],
  analytic: number[],
  weights: number[],
  h = 1e-6,
  tol = { atol: 1e-7, rtol: 1e-5 },
): void {
  const loss = (v: number[]) => forward(v).reduce((s, y, i) => s + y * weights[i]!, 0);
  const numeric = x.map((_, i) => {
    const plus = x.slice();
    const minus = x.slice();
    plus[i]! += h;
    minus[i]! -= h;
    return (loss(plus) - loss(minus)) / (2 * h);
  });
  expectClose(analytic, numeric, tol, `${name}: analytic vs finite-difference gradient`);
}
