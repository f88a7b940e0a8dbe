/** The epoch shuffle, a pure function of (indices, seed, epoch) so the CPU reference can replay it. */
import { pcgHash, SeededRandom } from '../random.ts';

export function epochOrder(trainIndices: Uint32Array, seed: number, epoch: number): Uint32Array {
  const order = trainIndices.slice();
  new SeededRandom(pcgHash(((seed ^ 0x9e3779b9) + epoch) >>> 0)).shuffle(order);
  return order;
}
