import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { describeConfig, loadConfig, renderConfigFile, SETTINGS } from '../../src/config.js';
import { CalmError } from '../../src/errors.js';
import { tempHome, type TempHome } from '../helpers/home.js';

describe('configuration', () => {
  let t: TempHome;
  beforeEach(() => {
    t = tempHome();
    mkdirSync(t.calmHome, { recursive: true });
  });
  afterEach(() => t.cleanup());

  const writeConfig = (text: string): void => writeFileSync(join(t.calmHome, 'config.yaml'), text);

  test('every path derives from CALM_HOME (CALM ignored it for db, pid and log)', () => {
    const config = loadConfig(t.env());
    for (const [name, path] of Object.entries(config.paths)) {
      assert.ok(path.startsWith(t.calmHome), `${name} = ${path} is outside CALM_HOME`);
    }
    assert.equal(config.paths.database, join(t.calmHome, 'metadata.db'));
    assert.equal(config.paths.pidFile, join(t.calmHome, 'server.pid'));
    assert.equal(config.paths.logFile, join(t.calmHome, 'server.log'));
    assert.equal(config.paths.models, join(t.calmHome, 'models'));
    assert.equal(config.sources.home, 'environment');
  });

  test('without CALM_HOME the home is ~/.calm of the given HOME', () => {
    const env = t.env();
    delete env.CALM_HOME;
    assert.equal(loadConfig(env).paths.home, join(t.home, '.calm'));
    assert.equal(loadConfig({ ...env, CALM_HOME: '~/elsewhere' }).paths.home, join(t.home, 'elsewhere'));
  });

  test('defaults < config file < environment, with the source of each value', () => {
    writeConfig('server:\n  port: 7000\n  host: 0.0.0.0\nbackup:\n  max_backups: 3\n');
    const config = loadConfig(t.env({ CALM_SERVER_PORT: '7100' }));
    assert.equal(config.serverPort, 7100);
    assert.equal(config.sources.serverPort, 'environment');
    assert.equal(config.serverHost, '0.0.0.0');
    assert.equal(config.sources.serverHost, 'config file');
    assert.equal(config.maxBackups, 3);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.sources.logLevel, 'default');
  });

  test('a bad value in the file is an error naming the key', () => {
    writeConfig('server:\n  port: seventy\n');
    assert.throws(() => loadConfig(t.env()), (e: unknown) => e instanceof CalmError && e.type === 'config_error' && /server\.port/.test(e.message));
  });

  test('an unknown key or section is an error naming it', () => {
    writeConfig('server:\n  prot: 1\n');
    assert.throws(() => loadConfig(t.env()), /unknown key 'server\.prot'/);
    writeConfig('serverr:\n  port: 1\n');
    assert.throws(() => loadConfig(t.env()), /unknown section 'serverr'/);
  });

  test('invalid YAML and non-mapping files are clear errors', () => {
    writeConfig('server: [unclosed\n');
    assert.throws(() => loadConfig(t.env()), /not valid YAML/);
    writeConfig('- a\n- b\n');
    assert.throws(() => loadConfig(t.env()), /must hold a mapping/);
  });

  test('a bad environment variable is an error naming the variable', () => {
    assert.throws(() => loadConfig(t.env({ CALM_VECTOR_BACKEND: 'mongo' })), /CALM_VECTOR_BACKEND/);
    assert.throws(() => loadConfig(t.env({ CALM_MAX_BACKUPS: '0' })), /CALM_MAX_BACKUPS/);
  });

  test('the file calm init writes parses back to the same values', () => {
    writeConfig(renderConfigFile({ embedder: 'minilm' }));
    const config = loadConfig(t.env());
    assert.equal(config.embedder, 'minilm');
    assert.equal(config.sources.embedder, 'config file');
    // every other key is written commented out, so it still follows the defaults
    for (const [name, spec] of Object.entries(SETTINGS)) {
      const key = name as keyof typeof SETTINGS;
      if (key === 'embedder') continue;
      assert.notEqual(config.sources[key], 'config file', name);
      if (config.sources[key] === 'default') assert.deepEqual(config[key], spec.defaultValue, name);
    }
  });

  test('config show masks secrets', () => {
    const rows = describeConfig(loadConfig(t.env({ CALM_QDRANT_API_KEY: 'sekrit' })));
    const key = rows.find((r) => r.env === 'CALM_QDRANT_API_KEY');
    assert.equal(key?.value, '********');
    assert.ok(!JSON.stringify(rows).includes('sekrit'));
  });
});
