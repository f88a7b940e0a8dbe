/**
 * One run of the study (a variant and a seed) as results.json records it. A module of its own, so
 * the report (./report/summary.ts) and the results file (./study-results.ts) share it without
 * importing each other.
 */
import type { VariantName } from '../src/model/variants.ts';
import type { EpochMetrics } from '../src/train/types.ts';

export interface RunRecord {
  variant: VariantName;
  seed: number;
  status: 'pending' | 'running' | 'complete' | 'diverged';
  /** Every finished epoch's metrics, in order. */
  epochs: EpochMetrics[];
  parameterCount: number | null;
  /** The final weights' file name, once complete. */
  weights: string | null;
  /** Why the run stopped, when it diverged. */
  error: string | null;
}
