/**
 * The study's colours, shared by the demo page's charts and the CLI's figures, so a variant (and
 * a data split in the summary bars) looks the same in the page, REPORT.md and SWEEP.md. Beside
 * DISPLAY_NAMES (claims.ts): both are how the two front ends present a study, and neither is
 * part of the engine's package.
 */
import type { VariantName } from '../model/variants.ts';

/** Tableau 10's first four, one per preset. */
export const VARIANT_COLOURS: Readonly<Record<VariantName, string>> = {
  baseline: '#4e79a7', dropout: '#f28e2b', 'weight-decay': '#59a14f', batchnorm: '#e15759',
};

/** A variant that is no preset (the types allow any name); 6 hex digits so an alpha can be appended. */
export const OTHER_COLOUR = '#555555';

export const variantColour = (name: string): string => (VARIANT_COLOURS as Record<string, string>)[name] ?? OTHER_COLOUR;

export type Split = 'train' | 'validation' | 'test';

/** The summary bars' colours, light to dark as the data gets further from training. */
export const SPLIT_COLOURS: Readonly<Record<Split, string>> = { train: '#93c5fd', validation: '#3b82f6', test: '#1e3a8a' };
