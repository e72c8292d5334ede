/** @module Where calm keeps its files: every path derives from the home folder (`CALM_HOME`), so one variable moves everything. */
import { join } from 'node:path';

export interface CalmPaths {
  readonly home: string;
  readonly database: string;
  readonly configFile: string;
  readonly pidFile: string;
  readonly logFile: string;
  readonly backups: string;
  readonly models: string;
  readonly journal: string;
  readonly sessions: string;
  readonly roles: string;
  readonly workflows: string;
  readonly skills: string;
  readonly hookErrorLog: string;
  readonly authTokenFile: string;
}

export function pathsFor(home: string): CalmPaths {
  return {
    home,
    database: join(home, 'metadata.db'),
    configFile: join(home, 'config.yaml'),
    pidFile: join(home, 'server.pid'),
    logFile: join(home, 'server.log'),
    backups: join(home, 'backups'),
    models: join(home, 'models'),
    journal: join(home, 'journal'),
    sessions: join(home, 'sessions'),
    roles: join(home, 'roles'),
    workflows: join(home, 'workflows'),
    skills: join(home, 'skills'),
    hookErrorLog: join(home, 'hook_errors.log'),
    authTokenFile: join(home, 'auth_token'),
  };
}
