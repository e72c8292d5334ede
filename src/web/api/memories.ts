/** @module Memories for the dashboard: list (server-side paging), search in each mode, show, delete. */
import type { ApiRoute } from './route.js';
import { list, num, text } from './route.js';

export const memoryRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/api/memories',
    handler: (app, { query }) =>
      app.memory.list({
        category: text(query, 'category'), tags: list(query, 'tags'), limit: num(query, 'limit'), offset: num(query, 'offset'),
      }),
  },
  {
    method: 'GET',
    path: '/api/memories/search',
    handler: (app, { query }) =>
      app.memory.retrieve({
        query: query.get('query') ?? '', search_mode: text(query, 'mode'), limit: num(query, 'limit'),
        category: text(query, 'category'), min_importance: num(query, 'min_importance'),
      }),
  },
  { method: 'GET', path: '/api/memories/:id', handler: (app, { params }) => app.memory.get(params.id!) },
  { method: 'DELETE', path: '/api/memories/:id', handler: (app, { params }) => app.memory.delete(params.id!) },
];
