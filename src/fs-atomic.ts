/**
 * @module Replacing a file so readers see the old bytes or the new ones, never half: write a temp file
 * in the same folder, then rename it over the target. A symlinked target is written through its link,
 * its permissions are kept, and a new file is owner-only (everything under $CALM_HOME is private).
 */
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** Flush to disk before the rename. Off for scratch state that may be lost (counters, caches). */
  readonly durable?: boolean;
}

export function writeFileAtomic(path: string, text: string, options: AtomicWriteOptions = {}): void {
  const target = existsSync(path) ? realpathSync(path) : path;
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  const mode = existsSync(target) ? statSync(target).mode & 0o777 : 0o600;
  const tmp = join(dirname(target), `.${basename(target)}.calm-${process.pid}.tmp`);
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, text);
    if (options.durable ?? true) fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  chmodSync(tmp, mode);
  renameSync(tmp, target);
}
