/**
 * @module The composition root: builds the database, record store and embedder from one config.
 * CLI commands, MCP servers and hooks all start here; nothing below reads configuration itself.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CalmConfig } from './config.js';
import type { Embedder } from './embedding/embedder.js';
import { type EmbedderChoice, type EmbedderLoadOptions, loadEmbedder, parseEmbedderChoice } from './embedding/registry.js';
import { CalmError } from './errors.js';
import { type Db, openDatabase } from './store/db.js';
import type { RecordStore } from './store/records/record-store.js';
import { recordStoreFor } from './services/backends.js';
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
import type { CurrentProject } from './services/project-scope.js';

export interface App {
  readonly config: CalmConfig;
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

export function isInitialized(config: CalmConfig): boolean {
  return existsSync(config.paths.database);
}

export function createApp(config: CalmConfig, options: CreateAppOptions = {}): App {
  if (options.requireInitialized && !isInitialized(config)) {
    throw new CalmError('not_found', `calm is not initialized at ${config.paths.home}; run \`calm init\` first`);
  }
  const embedderChoice = parseEmbedderChoice(config.embedder);
  // whichever process migrates the schema first backs the database up before it does
  const db = openDatabase(config.paths.database, { beforeMigrate: backupBeforeMigration(config) });
  // relational tables always stay in SQLite; records live wherever the backend says
  const records: RecordStore = recordStoreFor(config.vectorBackend, config, db);
  let loading: Promise<Embedder> | undefined;
  const embedder = (opts: Pick<EmbedderLoadOptions, 'onProgress'> = {}): Promise<Embedder> => {
    loading ??= loadEmbedder(embedderChoice, {
      modelsDir: config.paths.models,
      allowDownload: config.modelDownload,
      ...opts,
    }).catch((e: unknown) => {
      loading = undefined; // a later call may succeed (e.g. after the weights were placed)
      throw e;
    });
    return loading;
  };
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
    config,
    db,
    records,
    embedderChoice,
    search,
    memory: new MemoryService(records, embedder, guard, search, config.memoryContentMaxLength, currentProject),
    ghap: new GhapService(new GhapRepository(db), records, embedder, guard),
    experiences: new ExperienceService(search),
    clusters,
    values: new ValueService(records, embedder, guard, clusters),
    orchestration,
    currentProject,
    // git tools without repo_path work on the caller's working directory
    code: new CodeService(records, embedder, guard, search, new CodeIndexRepository(db), config.paths.home),
    git: new GitService(records, embedder, guard, search, new CodeIndexRepository(db), () => process.cwd()),
    context: new ContextService(search),
    embedder,
    async close() {
      const embedder = await loading?.catch(() => undefined);
      await embedder?.dispose?.();
      await records.close();
      if (db.open) db.close();
    },
  };
}
