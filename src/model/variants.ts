/**
 * The study's four variants are configuration of one model, not copies of it, and they combine
 * (e.g. batch norm + dropout).
 */

export interface Variant {
  name: string;
  /** Dropout probability on the pooled 16×5×5 map before conv3; 0 means no dropout layer. */
  dropout: number;
  /** BatchNorm2d after conv1, conv2 and conv3 (before tanh). */
  batchNorm: boolean;
  /** L2 weight decay λ; 0 for none. */
  weightDecay: number;
  /** false: coupled L2 added to the gradient (PyTorch's `weight_decay`, as in the study); true: AdamW-style. */
  decoupledWeightDecay: boolean;
}

export const VARIANT_NAMES = ['baseline', 'dropout', 'weight-decay', 'batchnorm'] as const;
export type VariantName = (typeof VARIANT_NAMES)[number];

export const STUDY_DEFAULTS = { dropout: 0.5, weightDecay: 1e-3 } as const;

const BASE: Omit<Variant, 'name'> = { dropout: 0, batchNorm: false, weightDecay: 0, decoupledWeightDecay: false };

const PRESETS: Record<VariantName, Partial<Variant>> = {
  baseline: {},
  dropout: { dropout: STUDY_DEFAULTS.dropout },
  'weight-decay': { weightDecay: STUDY_DEFAULTS.weightDecay },
  batchnorm: { batchNorm: true },
};

/** A named preset, with overrides (e.g. another p, or batch norm added to dropout). */
export function variant(name: VariantName, overrides: Partial<Omit<Variant, 'name'>> = {}): Variant {
  if (!(VARIANT_NAMES as readonly string[]).includes(name)) {
    throw new RangeError(`unknown variant '${name}'; expected one of ${VARIANT_NAMES.join(', ')}`);
  }
  return validateVariant({ name, ...BASE, ...PRESETS[name], ...overrides });
}

export function validateVariant(v: Variant): Variant {
  if (typeof v.dropout !== 'number' || !(v.dropout >= 0 && v.dropout < 1)) {
    throw new RangeError(`variant ${v.name}: dropout p must be in [0, 1), got ${v.dropout}`);
  }
  if (typeof v.weightDecay !== 'number' || !(v.weightDecay >= 0 && Number.isFinite(v.weightDecay))) {
    throw new RangeError(`variant ${v.name}: weight decay must be a finite number ≥ 0, got ${v.weightDecay}`);
  }
  return v;
}
