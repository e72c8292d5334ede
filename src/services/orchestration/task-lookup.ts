/** @module The one way orchestration services read a task they were asked about: through the repository, or a not-found refusal. */
import type { Task } from '../../store/orchestration-model.js';
import type { TaskRepository } from '../../store/task-repository.js';
import { missing } from './errors.js';

export function requireTask(tasks: TaskRepository, id: string): Task {
  const task = tasks.get(id);
  if (!task) throw missing(`Task ${id} not found`);
  return task;
}
