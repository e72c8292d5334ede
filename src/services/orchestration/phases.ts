/** @module CALM's phase machines: strictly linear, one successor per phase. */
import { TASK_TYPES, type TaskType } from '../../store/orchestration-model.js';
import { refused } from './errors.js';

export { TASK_TYPES, type TaskType } from '../../store/orchestration-model.js';

export const PHASES: Readonly<Record<TaskType, readonly string[]>> = {
  feature: ['SPEC', 'DESIGN', 'IMPLEMENT', 'CODE_REVIEW', 'TEST', 'INTEGRATE', 'VERIFY', 'DONE'],
  bug: ['REPORTED', 'INVESTIGATED', 'FIXED', 'REVIEWED', 'TESTED', 'MERGED', 'DONE'],
};

export const ALL_PHASES: readonly string[] = [...new Set([...PHASES.feature, ...PHASES.bug])];

export function validateTaskType(value: unknown): TaskType {
  if (typeof value !== 'string' || !TASK_TYPES.includes(value as TaskType)) {
    throw refused(`Invalid task type '${String(value)}'. Must be one of: ${TASK_TYPES.join(', ')}`);
  }
  return value as TaskType;
}

/** Phase names are matched case-insensitively (agents type `design`), stored upper-case. */
export function validatePhase(value: unknown, type?: TaskType): string {
  const phase = typeof value === 'string' ? value.trim().toUpperCase() : '';
  const allowed = type ? PHASES[type] : ALL_PHASES;
  if (!allowed.includes(phase)) {
    throw refused(`Invalid phase '${String(value)}'${type ? ` for ${type} tasks` : ''}. Must be one of: ${allowed.join(', ')}`);
  }
  return phase;
}

export const initialPhase = (type: TaskType): string => PHASES[type][0]!;

export function nextPhases(type: TaskType, phase: string): string[] {
  const list = PHASES[type];
  const i = list.indexOf(phase);
  return i >= 0 && i < list.length - 1 ? [list[i + 1]!] : [];
}

export const transitionName = (from: string, to: string): string => `${from}-${to}`;

/** `FROM-TO` → its two phases; phases use `_`, never `-`, so the split is unambiguous. */
export function parseTransition(value: string): { from: string; to: string } {
  const parts = value.trim().toUpperCase().split('-');
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw refused(`Invalid transition '${value}'. Use FROM-TO, e.g. IMPLEMENT-CODE_REVIEW`);
  }
  return { from: parts[0], to: parts[1] };
}

/** Every transition of both machines, in phase order. */
export function allTransitions(): { type: TaskType; from: string; to: string; name: string }[] {
  return TASK_TYPES.flatMap((type) =>
    PHASES[type].slice(0, -1).map((from, i) => {
      const to = PHASES[type][i + 1]!;
      return { type, from, to, name: transitionName(from, to) };
    }),
  );
}
