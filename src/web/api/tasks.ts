/** @module The orchestration board for the dashboard (read only: transitions stay in the CLI and MCP tools). */
import { validationError } from '../../errors.js';
import type { ApiRoute } from './route.js';
import { text } from './route.js';

export const taskRoutes: ApiRoute[] = [
  { method: 'GET', path: '/api/tasks/projects', handler: (app) => ({ projects: app.orchestration.board.projects() }) },
  {
    method: 'GET',
    path: '/api/tasks',
    handler: (app, { query }) => {
      const project = text(query, 'project');
      if (project === undefined) throw validationError('project is required (a project path from /api/tasks/projects)');
      return app.orchestration.board.board(project);
    },
  },
];
