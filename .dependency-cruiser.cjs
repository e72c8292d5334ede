/**
 * The house plan, checked by test/architecture.test.ts (and `npx depcruise src`): no import cycles,
 * and imports only go down the layers
 *
 *   adapters (src/cli, src/mcp, src/hooks, src/web)
 *     → src/app.ts (the composition root)
 *       → src/services
 *         → src/store and src/embedding
 *           → base (src/config.ts, src/errors.ts, src/fs-atomic.ts, src/version.ts)
 *
 * Skipping a layer downwards is fine (a CLI command may import a store type); importing upwards or
 * sideways between store and embedding is not. The store and the embedders do not read the
 * configuration (they are handed paths and settings), and neither, once the composition-root step is
 * done, do the services.
 */
const ADAPTERS = '^src/(cli|mcp|hooks|web)/';
const APP = '^src/app\\.ts$';
const SERVICES = '^src/services/';
const STORE = '^src/store/';
const EMBEDDING = '^src/embedding/';
const BASE = '^src/(config|errors|fs-atomic|version)\\.ts$';
const CONFIG = '^src/config\\.ts$';

/**
 * Known violations, one per file pair, each to be removed by the composition-root step: the rules
 * below skip exactly these pairs, and the architecture test fails when one of them no longer exists
 * (delete its entry then).
 */
const EXCEPTIONS = [
  // services that take the whole App instead of the services they use
  { from: 'src/services/doctor.ts', to: 'src/app.ts', why: 'type App: doctor reads config, records and the embedder through it' },
  { from: 'src/services/import-calm.ts', to: 'src/app.ts', why: 'type App: the import writes through app.records, memory and ghap' },
  { from: 'src/services/reembed.ts', to: 'src/app.ts', why: 'type App: re-embedding reads app.records and the embedder' },
  { from: 'src/services/status.ts', to: 'src/app.ts', why: 'type App and isInitialized()' },
  { from: 'src/services/calm-home/adopt.ts', to: 'src/app.ts', why: "createApp on the temporary database CALM's data is imported into" },
  { from: 'src/services/backup/restore-calm-backup.ts', to: 'src/app.ts', why: "createApp on the temporary database a CALM backup is imported into" },
  { from: 'src/services/calm-home/journal-import.ts', to: 'src/app.ts', why: "type App: the journal import writes through app.ghap and app.records" },

  // a second composition root: builds the record store and the embedder outside src/app.ts
  { from: 'src/services/backends.ts', to: 'src/store/records/sqlite-vec/index.ts', why: 'constructs SqliteVecRecordStore' },
  { from: 'src/services/backends.ts', to: 'src/store/records/qdrant/index.ts', why: 'constructs QdrantRecordStore' },
  { from: 'src/services/import-calm.ts', to: 'src/store/records/qdrant/index.ts', why: "a Qdrant client for CALM's server (only client.js is needed)" },
  { from: 'src/services/import-calm/calm-collections.ts', to: 'src/store/records/qdrant/index.ts', why: 'ORIGINAL_ID_KEY (only ids.js is needed)' },

  // services that take the raw CalmConfig instead of the paths and settings they use
  { from: 'src/services/backends.ts', to: 'src/config.ts', why: 'type CalmConfig' },
  { from: 'src/services/backup/catalog.ts', to: 'src/config.ts', why: 'type CalmConfig' },
  { from: 'src/services/backup/calm-backups.ts', to: 'src/config.ts', why: 'type CalmConfig' },
  { from: 'src/services/backup/create.ts', to: 'src/config.ts', why: 'type CalmConfig' },
  { from: 'src/services/backup/restore.ts', to: 'src/config.ts', why: 'type CalmConfig' },
  { from: 'src/services/backup/restore-calm-backup.ts', to: 'src/config.ts', why: 'type CalmConfig' },
  { from: 'src/services/backup/rotation.ts', to: 'src/config.ts', why: 'type CalmConfig' },
  { from: 'src/services/backup/sources.ts', to: 'src/config.ts', why: 'type CalmConfig' },
  { from: 'src/services/backup/verify.ts', to: 'src/config.ts', why: 'type CalmConfig' },
  { from: 'src/services/calm-home/adopt.ts', to: 'src/config.ts', why: "type CalmConfig: adoption translates CALM's config into calm's" },
  { from: 'src/services/config-file.ts', to: 'src/config.ts', why: 'edits config.yaml: reads its defaults and schema' },
  { from: 'src/services/daemon.ts', to: 'src/config.ts', why: 'type CalmConfig' },
  { from: 'src/services/embedder-selection.ts', to: 'src/config.ts', why: 'type CalmConfig' },
  { from: 'src/services/init.ts', to: 'src/config.ts', why: 'type CalmConfig' },
  { from: 'src/services/install/installer.ts', to: 'src/config.ts', why: 'type CalmConfig' },
  { from: 'src/services/migrate.ts', to: 'src/config.ts', why: 'type CalmConfig' },
  { from: 'src/services/status.ts', to: 'src/config.ts', why: 'type CalmConfig' },
];

const exact = (file) => `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;

/** A layer rule, with the listed exceptions cut out pair by pair. */
function layerRule(name, comment, fromPath, toPath) {
  const from = new RegExp(fromPath);
  const to = new RegExp(toPath);
  const own = EXCEPTIONS.filter((e) => from.test(e.from) && to.test(e.to));
  const files = [...new Set(own.map((e) => e.from))];
  return [
    { name, severity: 'error', comment, from: { path: fromPath, pathNot: files.map(exact) }, to: { path: toPath } },
    ...files.map((file) => ({
      name, severity: 'error', comment,
      from: { path: exact(file) },
      to: { path: toPath, pathNot: own.filter((e) => e.from === file).map((e) => exact(e.to)) },
    })),
  ];
}

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'Import cycles make load order and ownership unclear: break them with a lower module.', from: {}, to: { circular: true } },
    ...layerRule('base-is-the-bottom', 'config, errors, fs-atomic and version import nothing of calm above them.', BASE, `${ADAPTERS}|${APP}|${SERVICES}|${STORE}|${EMBEDDING}`),
    ...layerRule('store-below-services', 'The store knows no service, no composition root, no adapter, no embedder and no configuration (it is handed paths).', STORE, `${ADAPTERS}|${APP}|${SERVICES}|${EMBEDDING}|${CONFIG}`),
    ...layerRule('embedding-below-services', 'Embedders know no service, no composition root, no adapter, no store and no configuration.', EMBEDDING, `${ADAPTERS}|${APP}|${SERVICES}|${STORE}|${CONFIG}`),
    ...layerRule('services-below-app', 'Services are built by src/app.ts; they never import it or an adapter.', SERVICES, `${ADAPTERS}|${APP}`),
    ...layerRule('one-composition-root', 'Only src/app.ts picks and builds a record store backend.', SERVICES, '^src/store/records/(sqlite-vec|qdrant)/(index|store)\\.ts$'),
    ...layerRule('services-get-settings-not-config', 'Services are handed the paths and settings they use by src/app.ts, not the whole CalmConfig.', SERVICES, CONFIG),
    ...layerRule('app-below-adapters', 'The composition root imports no adapter.', APP, ADAPTERS),
    ...layerRule('hooks-not-cli', 'Hooks are short processes: they share code with the CLI through the layers below, not by importing it.', '^src/hooks/', '^src/cli/'),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    includeOnly: '^src/',
  },
};

// for the architecture test, which checks every exception still happens; hidden from the config schema
Object.defineProperty(module.exports, 'EXCEPTIONS', { value: EXCEPTIONS, enumerable: false });
