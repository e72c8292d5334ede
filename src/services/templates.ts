/**
 * @module The templates calm ships (role prompts, the orchestration workflow, skill texts) and their
 * installation into `$CALM_HOME` by `calm init`: missing files are copied, existing ones never touched.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `templates/` at the package root: two levels up from both src/services and dist/services. */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

/** Template folders and the home folder each is installed into. */
export const TEMPLATE_FOLDERS = ['roles', 'workflows', 'skills'] as const;

export interface TemplateInstall {
  /** Files copied this time, relative to the home. */
  readonly copied: string[];
  /** Files already present (possibly edited by the user), left as they were. */
  readonly kept: number;
}

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

export function installTemplates(home: string, source = TEMPLATES_DIR): TemplateInstall {
  const copied: string[] = [];
  let kept = 0;
  for (const folder of TEMPLATE_FOLDERS) {
    for (const file of files(join(source, folder))) {
      const rel = join(folder, relative(join(source, folder), file));
      const target = join(home, rel);
      if (existsSync(target)) {
        kept += 1;
        continue;
      }
      mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
      copyFileSync(file, target);
      chmodSync(target, 0o600); // the package's copy is world-readable; the home's is private
      copied.push(rel);
    }
  }
  return { copied, kept };
}
