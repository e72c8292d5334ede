/** @module Memories for the dashboard: list (server-side paging), search in each mode, show, edit, delete. */
import { validationError } from '../../errors.js';
import { UPDATABLE_FIELDS } from '../../services/memory-update.js';
import type { ApiRoute } from './route.js';
import { bodyObject, flag, list, num, text } from './route.js';

/** The filters list and search share: `category`, `tags=a,b` (any of), `min_importance`, `since`, `until`. */
const filters = (query: URLSearchParams) => ({
  category: text(query, 'category'),
  tags: list(query, 'tags'),
  min_importance: num(query, 'min_importance'),
  since: text(query, 'since'),
  until: text(query, 'until'),
});

/** Enough of each memory's content for a list row; the rest is one `GET /api/memories/:id` away. */
export const LIST_CONTENT_PREVIEW = 300;

export const memoryRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/api/memories',
    // counting every match costs a scan at 100k memories: the page asks for `total=1` once, not on every scroll;
    // `cursor` (the previous page's `next_cursor`) continues without skipping over `offset` rows
    handler: (app, { query }) =>
      app.memory.list({
        ...filters(query), limit: num(query, 'limit'), offset: num(query, 'offset'), cursor: text(query, 'cursor'),
        include_total: flag(query, 'total'), content_preview: LIST_CONTENT_PREVIEW,
      }),
  },
  {
    method: 'GET',
    path: '/api/memories/search',
    handler: (app, { query }) =>
      app.memory.retrieve({ ...filters(query), query: query.get('query') ?? '', search_mode: text(query, 'mode'), limit: num(query, 'limit') }),
  },
  { method: 'GET', path: '/api/memories/:id', handler: (app, { params }) => app.memory.get(params.id!) },
  {
    method: 'PATCH',
    path: '/api/memories/:id',
    handler: (app, { params, body }) => {
      const patch = bodyObject(body);
      const unknown = Object.keys(patch).filter((k) => !(UPDATABLE_FIELDS as readonly string[]).includes(k));
      if (unknown.length > 0) throw validationError(`Unknown field(s): ${unknown.join(', ')}; a memory's editable fields are ${UPDATABLE_FIELDS.join(', ')}`);
      return app.memory.update(params.id!, patch);
    },
  },
  { method: 'DELETE', path: '/api/memories/:id', handler: (app, { params }) => app.memory.delete(params.id!) },
];
