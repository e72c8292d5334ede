/** @module Writes settings into config.yaml, atomically, preserving the user's comments and layout. */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isMap, parseDocument } from 'yaml';
import { type CalmConfig, renderConfigFile, SETTINGS, type SettingKey } from '../config.js';

export type ConfigFileAction = 'created' | 'updated' | 'kept';

function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, file);
}

/** Sets one setting; with `onlyIfUnset`, a value the file already holds is kept. */
export function setConfigValue(config: CalmConfig, key: SettingKey, value: unknown, options: { onlyIfUnset?: boolean } = {}): ConfigFileAction {
  const file = config.paths.configFile;
  if (!existsSync(file)) {
    writeAtomically(file, renderConfigFile({ [key]: value }));
    return 'created';
  }
  const doc = parseDocument(readFileSync(file, 'utf8'));
  const path = SETTINGS[key].path;
  if (options.onlyIfUnset && doc.getIn(path) != null) return 'kept';
  const [section, name] = path;
  // a section whose keys are all commented out parses as null: give it a mapping first
  if (!isMap(doc.getIn([section]))) doc.setIn([section], doc.createNode({ [name]: value }));
  else doc.setIn(path, value);
  writeAtomically(file, doc.toString());
  return 'updated';
}
