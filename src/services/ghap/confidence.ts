/**
 * @module Confidence tiers: how much an experience counts when cluster centroids are computed.
 * gold = captured automatically from evidence (e.g. a test run), silver = resolved by hand, abandoned =
 * gave up; bronze is CALM's tier for weaker evidence (defined, not assigned by any tool).
 */
import type { OutcomeStatus } from './model.js';

export const CONFIDENCE_TIERS = ['gold', 'silver', 'bronze', 'abandoned'] as const;
export type ConfidenceTier = (typeof CONFIDENCE_TIERS)[number];

export const TIER_WEIGHTS: Readonly<Record<ConfidenceTier, number>> = { gold: 1.0, silver: 0.8, bronze: 0.5, abandoned: 0.2 };
/** A missing or unknown tier counts like bronze. */
export const DEFAULT_TIER_WEIGHT = 0.5;

export function confidenceTier(status: OutcomeStatus, autoCaptured = false): ConfidenceTier {
  if (status === 'abandoned') return 'abandoned';
  return autoCaptured ? 'gold' : 'silver';
}

export function tierWeight(tier: unknown): number {
  return typeof tier === 'string' && Object.hasOwn(TIER_WEIGHTS, tier) ? TIER_WEIGHTS[tier as ConfidenceTier] : DEFAULT_TIER_WEIGHT;
}
