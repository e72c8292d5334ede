/**
 * @module A Qdrant record store that completes an interrupted restore (restore-journal.ts) before its
 * first use in a process: whichever calm process opens the store next after a `kill -9` of a restore
 * (a CLI command, an MCP server, a hook, the daemon) sees the old or the new state, never a mix.
 * Recovery runs once per store; when it fails (Qdrant unreachable) the call fails with its error, and
 * the next call tries again.
 */
import type { RecordStore, SnapshotCapability } from '../../store/records/record-store.js';
import { recoverInterruptedRestore } from './restore-journal.js';

/** Methods that are synchronous or must not wait (closing a store that was never used). */
const PASS_THROUGH = new Set<PropertyKey>(['close', 'generationName']);

function recoveringFirst<T extends object>(target: T, ready: () => Promise<void>, wrap: (key: PropertyKey, value: unknown) => unknown): T {
  return new Proxy(target, {
    get(t, key) {
      const value: unknown = Reflect.get(t, key, t);
      if (typeof value !== 'function') return wrap(key, value);
      const method = value as (...args: unknown[]) => unknown;
      if (PASS_THROUGH.has(key)) return method.bind(t);
      return async (...args: unknown[]) => {
        await ready();
        return method.apply(t, args);
      };
    },
  });
}

export function withRestoreRecovery(records: RecordStore, paths: { readonly home: string; readonly database: string }): RecordStore {
  const snapshots = records.snapshots;
  if (!snapshots) return records;
  let recovered: Promise<void> | undefined;
  const ready = (): Promise<void> => {
    recovered ??= recoverInterruptedRestore({ ...paths, snapshots }).then(
      () => undefined,
      (e: unknown) => {
        recovered = undefined;
        throw e;
      },
    );
    return recovered;
  };
  const wrappedSnapshots: SnapshotCapability = recoveringFirst(snapshots, ready, (_k, v) => v);
  return recoveringFirst(records, ready, (key, value) => (key === 'snapshots' ? wrappedSnapshots : value));
}
