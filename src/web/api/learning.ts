/** @module The learning loop for the dashboard: GHAP entries, clusters with their 2-D projection, values. */
import { projectAxis } from '../../services/learning/projection.js';
import type { ApiRoute } from './route.js';
import { num, text } from './route.js';

/** Experiences shown with each listed value (as many as the page used to ask `cluster-members` for). */
export const VALUE_EVIDENCE = 50;

export const learningRoutes: ApiRoute[] = [
  { method: 'GET', path: '/api/ghap/active', handler: async (app) => ({ active: await app.ghap.activeEntry() }) },
  {
    method: 'GET',
    path: '/api/ghap',
    handler: (app, { query }) => app.ghap.list({ limit: num(query, 'limit'), domain: text(query, 'domain'), outcome: text(query, 'outcome'), since: text(query, 'since') }),
  },
  { method: 'GET', path: '/api/ghap/:id', handler: (app, { params }) => app.ghap.get(params.id!) },
  { method: 'GET', path: '/api/clusters/:axis', handler: (app, { params }) => app.clusters.getClusters({ axis: params.axis! }) },
  { method: 'GET', path: '/api/clusters/:axis/projection', handler: (app, { params }) => projectAxis(app.clusters, params.axis!) },
  {
    method: 'GET',
    path: '/api/cluster-members/:cluster_id',
    handler: (app, { params, query }) => app.clusters.getClusterMembers({ cluster_id: params.cluster_id!, limit: num(query, 'limit') }),
  },
  {
    method: 'GET',
    path: '/api/values',
    // the evidence stored with each value (its experiences when validated), so opening one needs no request
    handler: (app, { query }) => app.values.list({ axis: text(query, 'axis'), limit: num(query, 'limit'), evidence: VALUE_EVIDENCE }),
  },
  { method: 'GET', path: '/api/values/:id', handler: (app, { params }) => app.values.get(params.id!) },
];
