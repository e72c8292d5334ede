/**
 * @module The composition root: builds the App (database, record store, embedder, services) on the
 * settings of src/app-settings.ts. CLI commands, MCP servers and hooks all start here; nothing below
 * reads configuration or imports this file: each service is handed what it uses.
 */
import { join } from 'node:path';
import { type AppSettings, createAppSettings } from './app-settings.js';
import { type CalmConfig, configFrom } from './config.js';
import type { Embedder } from './embedding/embedder.js';
import { lazyEmbedder } from './embedding/lazy.js';
import { type EmbedderChoice, type EmbedderLoadOptions, parseEmbedderChoice } from './embedding/registry.js';
import { CalmError } from './errors.js';
import { type Db, openDatabase } from './store/db.js';
import type { RecordStore } from './store/records/record-store.js';
import { backupBeforeMigration } from './services/backup/rotation.js';
import { CollectionGuard } from './services/collection-guard.js';
import { GhapService } from './services/ghap/ghap-service.js';
import { ClusteringService } from './services/learning/clustering-service.js';
import { ExperienceService } from './services/learning/experiences.js';
import { ValueService } from './services/learning/values.js';
import { GhapRepository } from './store/ghap-repository.js';
import { MemoryService } from './services/memory.js';
import { createOrchestration, type Orchestration } from './services/orchestration/index.js';
import { TEMPLATES_DIR } from './services/templates.js';
import { SearchEngine } from './services/search.js';
import { CodeService } from './services/code/index.js';
import { ContextService } from './services/context/assembler.js';
import { GitService } from './services/git/index.js';
import { CodeIndexRepository } from './store/code-index-repository.js';
import type { AdoptDeps } from './services/calm-home/adopt.js';
import type { CurrentProject } from './services/project-scope.js';
import { isInitialized } from './services/status.js';

export { isInitialized } from './services/status.js';
export type { AppSettings } from './app-settings.js';

export interface App {
  /** The configuration and the settings services are handed (src/app-settings.ts). */
  readonly settings: AppSettings;
  readonly db: Db;
  readonly records: RecordStore;
  readonly embedderChoice: EmbedderChoice;
  readonly search: SearchEngine;
  readonly memory: MemoryService;
  readonly ghap: GhapService;
  readonly experiences: ExperienceService;
  readonly clusters: ClusteringService;
  readonly values: ValueService;
  readonly orchestration: Orchestration;
  readonly code: CodeService;
  readonly git: GitService;
  readonly context: ContextService;
  /** The caller's project (memory scope); see services/project-scope.ts. */
  readonly currentProject: CurrentProject;
  /** Loads the configured model on first call and keeps it. */
  embedder(options?: Pick<EmbedderLoadOptions, 'onProgress'>): Promise<Embedder>;
  /** After a restore replaced the database under this App (the daemon's dashboard): forget which collections were checked. */
  forgetCollections(): void;
  close(): Promise<void>;
}

export interface CreateAppOptions {
  /** Fail with a hint to run `calm init` instead of creating a database. */
  readonly requireInitialized?: boolean;
  /** The caller's project for memories' scope; default: the project of this process's working directory. */
  readonly currentProject?: CurrentProject;
}

/** The project of this process's working directory (its main repository root, as tasks use), looked up once per directory. */
function cwdProject(orchestration: Orchestration): CurrentProject {
  const known = new Map<string, Promise<string | undefined>>();
  return () => {
    let cwd: string;
    try {
      cwd = process.cwd();
    } catch {
      return Promise.resolve(undefined); // the shell sits in a deleted directory: no project to tell
    }
    let project = known.get(cwd);
    if (!project) {
      project = orchestration.projects.detect(cwd).then((p) => p.root, () => undefined);
      known.set(cwd, project);
    }
    return project;
  };
}

export function createApp(configOrSettings: CalmConfig | AppSettings, options: CreateAppOptions = {}): App {
  const config = createAppSettings(configOrSettings);
  if (options.requireInitialized && !isInitialized(config)) {
    throw new CalmError('not_found', `calm is not initialized at ${config.paths.home}; run \`calm init\` first`);
  }
  const embedderChoice = parseEmbedderChoice(config.embedder);
  // whichever process migrates the schema first backs the database up before it does
  const db = openDatabase(config.paths.database, { beforeMigrate: backupBeforeMigration(config) });
  // relational tables always stay in SQLite; records live wherever the backend says
  const records: RecordStore = config.stores.open(config.vectorBackend, db);
  const embedder = lazyEmbedder(embedderChoice, { modelsDir: config.paths.models, allowDownload: config.modelDownload });
  const guard = new CollectionGuard(records, embedder);
  const search = new SearchEngine(records, embedder, guard);
  const clusters = new ClusteringService(records, guard, { minClusterSize: config.clusterMinSize, minSamples: config.clusterMinSamples });
  const orchestration = createOrchestration(db, {
    sessionsDir: config.paths.sessions,
    rolesDir: config.paths.roles,
    bundledRolesDir: join(TEMPLATES_DIR, 'roles'),
    gateCommandTimeoutSeconds: config.gateTestTimeout,
  });
  const currentProject = options.currentProject ?? cwdProject(orchestration);
  return {
    settings: config,
    db,
    records,
    embedderChoice,
    search,
    memory: new MemoryService(records, embedder, guard, search, config.memoryContentMaxLength, currentProject),
    ghap: new GhapService(new GhapRepository(db), records, embedder, guard, currentProject),
    experiences: new ExperienceService(search, currentProject),
    clusters,
    values: new ValueService(records, embedder, guard, clusters, currentProject),
    orchestration,
    currentProject,
    // git tools without repo_path work on the caller's working directory
    code: new CodeService(records, embedder, guard, search, new CodeIndexRepository(db), config.paths.home),
    git: new GitService(records, embedder, guard, search, new CodeIndexRepository(db), () => process.cwd()),
    context: new ContextService(search, currentProject),
    embedder,
    forgetCollections: () => guard.forget(),
    async close() {
      await (await embedder.loaded())?.dispose?.();
      await records.close();
      if (db.open) db.close();
    },
  };
}

/** What `calm init` on a CALM home needs from the composition root: settings for CALM's translated config, and an App to import into. */
export function adoptionDeps(env: NodeJS.ProcessEnv): AdoptDeps<AppSettings> {
  return {
    settingsFor: (doc) => createAppSettings(configFrom(env, doc)),
    openTarget: ({ stores: _built, ...config }, database, embedder) =>
      createApp({ ...config, paths: { ...config.paths, database }, embedder }), // stores rebuilt for these settings
  };
}
