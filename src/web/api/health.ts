/** @module Health for the dashboard: status (embedder, counts), doctor, and this server's identity. */
import { runDoctor } from '../../services/doctor.js';
import { statusReport } from '../../services/status.js';
import { VERSION } from '../../version.js';
import type { ApiRoute } from './route.js';

export const healthRoutes: ApiRoute[] = [
  { method: 'GET', path: '/api/status', handler: async (app) => ({ version: VERSION, pid: process.pid, ...(await statusReport(app)) }) },
  { method: 'GET', path: '/api/doctor', handler: (app) => runDoctor(app) },
];
