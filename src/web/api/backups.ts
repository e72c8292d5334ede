/** @module Backups for the dashboard: list (with each one's last verification), show, create, verify and restore, through the backup services. */
import { validationError } from '../../errors.js';
import { listBackups, showBackup } from '../../services/backup/catalog.js';
import { createBackup } from '../../services/backup/create.js';
import { restoreBackup } from '../../services/backup/restore.js';
import { verifyBackup } from '../../services/backup/verify.js';
import type { ApiRoute } from './route.js';
import { bodyObject } from './route.js';

export const backupRoutes: ApiRoute[] = [
  { method: 'GET', path: '/api/backups', handler: (app) => ({ backups: listBackups(app.settings), max_backups: app.settings.maxBackups }) },
  { method: 'GET', path: '/api/backups/:name', handler: (app, { params }) => ({ name: params.name!, ...showBackup(app.settings, params.name!) }) },
  {
    method: 'POST',
    path: '/api/backups',
    handler: (app, { body }) => {
      const { name } = bodyObject(body);
      if (name !== undefined && typeof name !== 'string') throw validationError('name must be a string');
      return createBackup(app.settings, name === undefined || name.trim() === '' ? {} : { name });
    },
  },
  { method: 'POST', path: '/api/backups/:name/verify', handler: (app, { params }) => verifyBackup(app.settings, params.name!) },
  {
    method: 'POST',
    path: '/api/backups/:name/restore',
    handler: async (app, { params, body }) => {
      // the page asks first; the name repeated in the body keeps a stray request from replacing everything
      if (bodyObject(body).confirm !== params.name) throw validationError(`To restore, send {"confirm": "${params.name}"}`);
      const result = await restoreBackup(app.settings, params.name!);
      // this daemon read and wrote the database the restore replaced: nothing it remembered about it holds
      app.forgetCollections();
      return result;
    },
  },
];
