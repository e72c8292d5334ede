/** @module `calm init`: directories, database, config file and the embedder choice. Idempotent. */
import { existsSync, mkdirSync } from 'node:fs';
import type { EmbedderLoadOptions } from '../embedding/registry.js';
import { openDatabase, schemaVersion } from '../store/db.js';
import { type ConfigFileAction, setConfigValue } from '../config-file.js';
import type { CalmPaths } from '../paths.js';
import { type AuthSettings, ensureAuthToken } from './auth-token.js';
import { backupBeforeMigration } from './backup/rotation.js';
import { selectEmbedder } from './embedder-selection.js';
import type { BackupSettings, EmbedderSettings } from './settings.js';
import { installTemplates, type TemplateInstall } from './templates.js';

/** The home's folders, the embedder choice, the pre-migration backup and the auth token. */
export interface InitSettings extends EmbedderSettings, BackupSettings, AuthSettings {
  readonly paths: CalmPaths;
  readonly serverAuth: boolean;
  readonly authToken: string;
}

export interface InitResult {
  readonly home: string;
  readonly createdDirectories: string[];
  readonly database: string;
  readonly schemaVersion: number;
  readonly configFile: string;
  readonly configFileAction: ConfigFileAction;
  readonly embedder: { readonly setting: string; readonly id: string; readonly dim: number; readonly reason: string };
  /** Role prompts, workflow and skills copied into the home; files already there are never overwritten. */
  readonly templates: TemplateInstall;
  /** With `server.auth` on (and no CALM_AUTH_TOKEN), the generated token's file; else null. */
  readonly authTokenFile: string | null;
}

export async function initCalm(config: InitSettings, onProgress?: EmbedderLoadOptions['onProgress']): Promise<InitResult> {
  const p = config.paths;
  const createdDirectories: string[] = [];
  for (const dir of [p.home, p.workflows, p.roles, p.sessions, p.skills, p.journal, p.backups, p.models]) {
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      createdDirectories.push(dir);
    }
  }
  // choose first: a configured model that cannot load stops init before anything else is written
  const selection = await selectEmbedder(config, onProgress);
  try {
    // an upgrade's migration is preceded by an automatic backup, as in every other process
    const db = openDatabase(p.database, { beforeMigrate: backupBeforeMigration(config) });
    const version = schemaVersion(db);
    db.close();
    // recorded so later runs keep the embedder the data was built with; a value already in the file is kept
    const configFileAction = setConfigValue(config, 'embedder', selection.setting, { onlyIfUnset: true });
    return {
      home: p.home,
      createdDirectories,
      database: p.database,
      schemaVersion: version,
      configFile: p.configFile,
      configFileAction,
      embedder: { setting: selection.setting, id: selection.embedder.id, dim: selection.embedder.dim, reason: selection.reason },
      templates: installTemplates(p.home),
      authTokenFile: config.serverAuth && config.authToken === '' && ensureAuthToken(config) !== undefined ? p.authTokenFile : null,
    };
  } finally {
    await selection.embedder.dispose?.();
  }
}
