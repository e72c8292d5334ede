/**
 * @module CALM's validators, with CALM's messages (existing prompts and tests match on them).
 * Services call these before any storage work, so the CLI and MCP reject the same input the same way.
 */
import { validationError } from '../errors.js';

export const MEMORY_CATEGORIES = ['preference', 'fact', 'event', 'workflow', 'context', 'error', 'decision'] as const;
export type MemoryCategory = (typeof MEMORY_CATEGORIES)[number];
export const SEARCH_MODES = ['semantic', 'keyword', 'hybrid'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

export const QUERY_MAX_LENGTH = 10_000;
const TAG_RE = /^[\p{L}\p{N}_\-.]+$/u;
const UUID_RE = /^(?:urn:uuid:)?\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i;

/** CALM lists enum choices sorted alphabetically in its messages. */
export function validateEnum<T extends string>(value: unknown, allowed: readonly T[], label: string): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw validationError(`Invalid ${label} '${String(value)}'. Must be one of: ${[...allowed].sort().join(', ')}`);
  }
  return value as T;
}

export function validateLimit(value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw validationError(`Limit ${String(value)} out of range. Must be between ${min} and ${max}.`);
  }
  return value;
}

export function validateUnitInterval(value: unknown, label: string): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || value > 1) {
    throw validationError(`${label} ${String(value)} out of range. Must be between 0.0 and 1.0.`);
  }
  return value;
}

export function validateOffset(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw validationError(`Offset ${String(value)} must be >= 0.`);
  }
  return value;
}

export function validateTextLength(value: string, max: number, label: string): string {
  if (value.length > max) {
    throw validationError(`${label} too long (${value.length} chars). Maximum allowed is ${max} characters.`);
  }
  return value;
}

export function validateQuery(value: unknown, label = 'Query'): string {
  if (typeof value !== 'string') throw validationError(`${label} must be a string`);
  return validateTextLength(value, QUERY_MAX_LENGTH, label);
}

export function validateSearchMode(value: unknown): SearchMode {
  if (typeof value !== 'string' || !SEARCH_MODES.includes(value as SearchMode)) {
    throw validationError(`Invalid search_mode '${String(value)}'. Must be one of: ${SEARCH_MODES.map((m) => `'${m}'`).join(', ')}`);
  }
  return value as SearchMode;
}

export function validateTags(tags: unknown, maxCount = 20, maxLength = 50): string[] {
  if (tags === undefined || tags === null) return [];
  if (!Array.isArray(tags)) throw validationError('Tags must be a list of strings');
  if (tags.length > maxCount) throw validationError(`Too many tags (${tags.length}). Maximum is ${maxCount}.`);
  for (const tag of tags) {
    if (typeof tag !== 'string') throw validationError(`Invalid tag type: ${tag === null ? 'null' : typeof tag}`);
    if (tag.length > maxLength) {
      throw validationError(`Tag '${tag.slice(0, 20)}...' too long (${tag.length} chars). Maximum is ${maxLength} characters.`);
    }
    if (!TAG_RE.test(tag)) {
      throw validationError(`Invalid tag '${tag}'. Tags must contain only alphanumeric characters, hyphens, underscores, and dots.`);
    }
  }
  return [...tags] as string[];
}

/** Accepts what Python's UUID() accepts (hyphens optional, braces, urn:uuid:) and returns the canonical form. */
export function validateUuid(value: unknown, field: string): string {
  if (typeof value !== 'string' || !UUID_RE.test(value.trim())) throw validationError(`Invalid UUID format for ${field}: ${String(value)}`);
  const hex = value.trim().toLowerCase().replace(/^urn:uuid:/, '').replace(/[{}-]/g, '');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
