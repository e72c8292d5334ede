/**
 * The house plan, checked by test/architecture.test.ts (and `npx depcruise src`): no import cycles,
 * and imports only go down the layers
 *
 *   adapters (src/cli, src/mcp, src/hooks, src/web)
 *     → src/app.ts and src/app-settings.ts (the composition root: the App, and the settings it is built on)
 *       → src/services
 *         → src/store and src/embedding
 *           → base (src/config.ts, src/config-file.ts, src/calm-env.ts, src/paths.ts, src/errors.ts, src/fs-atomic.ts, src/seeded-random.ts, src/version.ts)
 *
 * Skipping a layer downwards is fine (a CLI command may import a store type); importing upwards or
 * sideways between store and embedding is not. The store and the embedders do not read the
 * configuration (they are handed paths and settings), and neither do the services (src/app-settings.ts
 * builds the settings they are handed). Only the store opens SQLite: better-sqlite3 and sqlite-vec are
 * cruised too (see `includeOnly`), so an import of them from above src/store is a violation.
 */
const ADAPTERS = '^src/(cli|mcp|hooks|web)/';
const APP = '^src/app(-settings)?\\.ts$';
const SERVICES = '^src/services/';
const STORE = '^src/store/';
const EMBEDDING = '^src/embedding/';
const BASE = '^src/(config|config-file|calm-env|errors|fs-atomic|paths|seeded-random|version)\\.ts$';
const CONFIG = '^src/config\\.ts$';
/** SQLite and its vector extension, whether resolved into node_modules (or its @types) or not found at all. */
const SQLITE = '^(node_modules/|node_modules/@types/)?(better-sqlite3|sqlite-vec)(/|$)';

/**
 * Known violations, one per file pair: the rules below skip exactly these pairs, and the architecture
 * test fails when one of them no longer exists (delete its entry then). Empty since the composition-root
 * step; a new entry needs a `why` that says why the import cannot go down the layers.
 */
const EXCEPTIONS = [];

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
    ...layerRule(
      'backends-behind-the-record-store',
      'Services and adapters reach a backend through the RecordStore and its capabilities. A backend folder shows them only ' +
        'sqlite-vec/describe.ts (what a database file holds, for backups) and, for `calm import-calm` reading CALM\'s own Qdrant ' +
        'server as a source, qdrant/client.ts and qdrant/ids.ts.',
      `${SERVICES}|${ADAPTERS}`,
      '^src/store/records/(sqlite-vec/(?!describe\\.ts$)|qdrant/(?!(client|ids)\\.ts$))',
    ),
    ...layerRule('services-get-settings-not-config', 'Services are handed the paths and settings they use by src/app.ts, not the whole CalmConfig.', SERVICES, CONFIG),
    ...layerRule('app-below-adapters', 'The composition root imports no adapter.', APP, ADAPTERS),
    ...layerRule(
      'sqlite-behind-the-store',
      'Only src/store opens SQLite (db.ts: calm\'s database; db-file.ts: copies, integrity checks, CALM\'s and other foreign files). ' +
        'Everything above asks the store, and handles a connection only through its `Db` type.',
      '^src/(?!store/)',
      SQLITE,
    ),
    ...layerRule('hooks-not-cli', 'Hooks are short processes: they share code with the CLI through the layers below, not by importing it.', '^src/hooks/', '^src/cli/'),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // calm's own modules, and the SQLite packages the rule `sqlite-behind-the-store` keeps inside src/store
    includeOnly: `^src/|${SQLITE}`,
  },
};

// for the architecture test, which checks every exception still happens; hidden from the config schema
Object.defineProperty(module.exports, 'EXCEPTIONS', { value: EXCEPTIONS, enumerable: false });
