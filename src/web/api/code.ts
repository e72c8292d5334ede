/** @module Code and git for the dashboard: what is indexed, churn hotspots and authors per file. */
import type { ApiRoute } from './route.js';
import { num, text } from './route.js';

export const codeRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/api/code',
    handler: (app) => ({ indexed: app.code.overview(), totals: app.code.stats(), repositories: app.git.indexedRepos() }),
  },
  {
    method: 'GET',
    path: '/api/git/churn',
    handler: (app, { query }) =>
      app.git.churnHotspots({
        repo_path: text(query, 'repo_path'), days: num(query, 'days'), limit: num(query, 'limit'), min_changes: num(query, 'min_changes'),
        author_commits: true,
      }),
  },
  {
    method: 'GET',
    path: '/api/git/authors',
    handler: (app, { query }) => app.git.codeAuthors({ path: query.get('path') ?? '', repo_path: text(query, 'repo_path') }),
  },
];
