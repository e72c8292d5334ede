/** @module Writes settings into config.yaml, atomically, preserving the user's comments and layout. */
import { existsSync, readFileSync } from 'node:fs';
import { isMap, parseDocument } from 'yaml';
import { writeFileAtomic } from '../fs-atomic.js';
import { type CalmConfig, renderConfigFile, SETTINGS, type SettingKey } from '../config.js';

export type ConfigFileAction = 'created' | 'updated' | 'kept';

/** Sets one setting; with `onlyIfUnset`, a value the file already holds is kept. */
export function setConfigValue(config: CalmConfig, key: SettingKey, value: unknown, options: { onlyIfUnset?: boolean } = {}): ConfigFileAction {
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
