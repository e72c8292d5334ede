/** @module CALM's validators for the code tools, with CALM's messages. */
import { validationError } from '../../errors.js';
import { SUPPORTED_LANGUAGES } from './languages.js';

const PROJECT_RE = /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/;
export const PROJECT_MAX_LENGTH = 100;
export const SNIPPET_MAX_LENGTH = 5000;

export function validateProjectId(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw validationError('Project identifier cannot be empty');
  if (value.length > PROJECT_MAX_LENGTH) {
    throw validationError(`Project identifier too long (${value.length} chars). Maximum: ${PROJECT_MAX_LENGTH} characters`);
  }
  if (!PROJECT_RE.test(value)) {
    throw validationError(
      `Invalid project identifier: '${value}'. Must contain only alphanumeric characters, dashes, and underscores, and start with an alphanumeric character`,
    );
  }
  return value;
}

/** Case-insensitive; returns the lower-cased name the payloads carry. */
export function validateLanguage(value: unknown): string {
  const lower = typeof value === 'string' ? value.toLowerCase() : '';
  if (!(SUPPORTED_LANGUAGES as readonly string[]).includes(lower)) {
    throw validationError(`Unsupported language: '${String(value)}'. Supported languages: ${SUPPORTED_LANGUAGES.join(', ')}`);
  }
  return lower;
}
