/** @module GHAP vocabulary: CALM's enums (values and schema order are the wire format) and the entry shape. */
import { COLLECTIONS, type CollectionName } from '../../store/records/collections.js';

export const DOMAINS = [
  'debugging', 'refactoring', 'feature', 'testing', 'configuration', 'documentation', 'performance', 'security', 'integration',
] as const;
export const STRATEGIES = [
  'systematic-elimination', 'trial-and-error', 'research-first', 'divide-and-conquer', 'root-cause-analysis',
  'copy-from-similar', 'check-assumptions', 'read-the-error', 'ask-user',
] as const;
export const ROOT_CAUSE_CATEGORIES = [
  'wrong-assumption', 'missing-knowledge', 'oversight', 'environment-issue', 'misleading-symptom', 'incomplete-fix',
  'wrong-scope', 'test-isolation', 'timing-issue',
] as const;
export const OUTCOME_STATUS_VALUES = ['confirmed', 'falsified', 'abandoned'] as const;
export const VALID_AXES = ['full', 'strategy', 'surprise', 'root_cause'] as const;

export type Domain = (typeof DOMAINS)[number];
export type Strategy = (typeof STRATEGIES)[number];
export type RootCauseCategory = (typeof ROOT_CAUSE_CATEGORIES)[number];
export type OutcomeStatus = (typeof OUTCOME_STATUS_VALUES)[number];
export type Axis = (typeof VALID_AXES)[number];

export const AXIS_COLLECTIONS: Readonly<Record<Axis, CollectionName>> = {
  full: COLLECTIONS.ghapFull,
  strategy: COLLECTIONS.ghapStrategy,
  surprise: COLLECTIONS.ghapSurprise,
  root_cause: COLLECTIONS.ghapRootCause,
};

/** What an entry sets out to do: the fields `start` takes, every entry carries and the axis texts read. */
export interface GhapPlan {
  readonly domain: string;
  readonly strategy: string;
  readonly goal: string;
  readonly hypothesis: string;
  readonly action: string;
  readonly prediction: string;
}

export interface RootCause {
  readonly category: string;
  readonly description: string;
}

export interface Lesson {
  readonly what_worked: string;
  readonly takeaway: string | null;
}

/** The hypothesis, action and prediction an update replaced, and when. */
export interface HistoryEntry {
  readonly timestamp: string;
  readonly hypothesis: string;
  readonly action: string;
  readonly prediction: string;
}

export interface Note {
  readonly created_at: string;
  readonly note: string;
}
