/** @module Writes settings into config.yaml, atomically, preserving the user's comments and layout. */
import { existsSync, readFileSync } from 'node:fs';
import { isMap, parseDocument } from 'yaml';
import { renderConfigFile, SETTINGS, type SettingKey } from './config.js';
import { writeFileAtomic } from './fs-atomic.js';

export type ConfigFileAction = 'created' | 'updated' | 'kept';

/** config.yaml's text for a document of sections (e.g. CALM's, translated), keeping calm's settings in it, with `overrides` on top. */
export function renderConfigDocument(doc: Readonly<Record<string, Readonly<Record<string, unknown>> | undefined>>, overrides: Partial<Record<SettingKey, unknown>>): string {
  const values: Partial<Record<SettingKey, unknown>> = {};
  for (const [name, spec] of Object.entries(SETTINGS) as [SettingKey, (typeof SETTINGS)[SettingKey]][]) {
    const v = doc[spec.path[0]]?.[spec.path[1]];
    if (v !== undefined) values[name] = v;
  }
  return renderConfigFile({ ...values, ...overrides });
}

/**
 * Sets one setting; with `onlyIfUnset`, a value the file already holds is kept. `config` is anything that
 * knows where config.yaml is (the configuration, or a service's settings).
 */
export function setConfigValue(config: { readonly paths: { readonly configFile: string } }, key: SettingKey, value: unknown, options: { onlyIfUnset?: boolean } = {}): ConfigFileAction {
  const file = config.paths.configFile;
  if (!existsSync(file)) {
    writeFileAtomic(file, renderConfigFile({ [key]: value }));
    return 'created';
  }
  const doc = parseDocument(readFileSync(file, 'utf8'));
  const path = SETTINGS[key].path;
  if (options.onlyIfUnset && doc.getIn(path) != null) return 'kept';
  const [section, name] = path;
  // a section whose keys are all commented out parses as null: give it a mapping first
  if (!isMap(doc.getIn([section]))) doc.setIn([section], doc.createNode({ [name]: value }));
  else doc.setIn(path, value);
  writeFileAtomic(file, doc.toString());
  return 'updated';
}
