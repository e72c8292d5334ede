/** @module Registers the orchestration command groups (task, gate, review, worktree, worker, counter, session, project). */
import type { Command } from 'commander';
import { registerCounter } from './counter.js';
import { registerGate } from './gate.js';
import { registerProject } from './project.js';
import { registerReview } from './review.js';
import { registerSession } from './session.js';
import { registerTask } from './task.js';
import { registerWorker } from './worker.js';
import { registerWorktree } from './worktree.js';

export function registerOrchestration(program: Command): void {
  registerTask(program);
  registerGate(program);
  registerReview(program);
  registerWorktree(program);
  registerWorker(program);
  registerCounter(program);
  registerSession(program);
  registerProject(program);
}
